"""The array type the scoring code passes around (numpy's generic ndarray needs parameters)."""

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
