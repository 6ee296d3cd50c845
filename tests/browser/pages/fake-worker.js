// A stand-in worker for the client tests: boots (or not) and dies on request.
//   ?boot=ready  posts the ready status at once;  ?boot=never  never finishes booting.
// Requests: {type: "echo"} -> replies with its fields; {type: "die"} -> an uncaught error
// kills the worker's script (an "error" event for the client); {type: "hang"} -> no reply.
const boot = new URL(self.location.href).searchParams.get("boot") || "ready";
if (boot === "ready") {
  postMessage({ event: "status", stage: "runtime", message: "fake runtime" });
  postMessage({ event: "status", stage: "ready", message: "fake ready", info: { fake: true } });
}
self.onmessage = (event) => {
  const { id, type, ...fields } = event.data;
  if (type === "echo") postMessage({ id, ok: true, result: fields });
  else if (type === "die") setTimeout(() => { throw new Error("fake worker died"); }, 0);
  else if (type !== "hang") postMessage({ id, ok: false, error: { name: "ProtocolError", message: `Unknown ${type}` } });
};
