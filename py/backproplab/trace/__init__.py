"""The backprop stepper (see ``steps``)."""

from .steps import CHECK_THRESHOLD, FD_STEP, MAX_CHECKED, NOTATIONS, backprop_steps

__all__ = ["backprop_steps", "NOTATIONS", "CHECK_THRESHOLD", "MAX_CHECKED", "FD_STEP"]
