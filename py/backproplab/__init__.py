"""backproplab: a from-scratch MLP and k-NN in NumPy with every backprop partial exposed.

Runs unchanged in CPython and in Pyodide (the web page's Web Worker). NumPy is the only
runtime dependency.
"""

__version__ = "0.1.0"
