// The page's first script: starts the Python worker at once, so Pyodide boots while main.js's
// modules (views, pad, storage) still load; main.js's createClient() adopts this worker.
import { startWorkerEarly } from "./client.js";

startWorkerEarly();
