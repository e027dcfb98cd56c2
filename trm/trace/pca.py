"""PCA views of a trace (scikit-learn), fitted once per trace.

- State trajectory: every inner call's whole y and whole z (S*D values each) as points, one PCA fitted on
  both, so the two paths share axes: watch y settle while z keeps moving.
- Cell clusters: y at each cell position after each step (D values) as points, coloured later by the digit
  the model predicts there: digit clusters form as the model commits.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA

STATE_COMPONENTS = 3
CELL_COMPONENTS = 2


@dataclass
class TracePCA:
    """Projections and explained-variance ratios of the two views."""

    y_path: np.ndarray  # (steps * calls, 3) y after each inner call, in call order
    z_path: np.ndarray  # (steps * calls, 3)
    state_explained: np.ndarray  # (3,) explained-variance ratio
    cells: np.ndarray  # (steps, cells, 2) y at each cell position after each step
    cells_explained: np.ndarray  # (2,)


def _fit(points: np.ndarray, components: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    components = min(components, points.shape[0], points.shape[1])
    # Wide points (whole states, S*D values): randomized SVD. Narrow ones (a cell's D values): the exact PCA via
    # the D x D covariance, which is ~5x faster than a full SVD of (steps*cells, D) and gives the same axes.
    pca = PCA(n_components=components, svd_solver="randomized" if points.shape[1] > 2000 else "covariance_eigh",
              random_state=seed)
    projected = pca.fit_transform(points.astype(np.float32))
    return projected, pca.explained_variance_ratio_


def fit_trace_pca(records) -> TracePCA | None:
    """Fit both views on the StepRecords' kept states; None when the records hold no per-call states."""
    if not records or records[0].y_calls is None:
        return None
    y_calls = np.concatenate([r.y_calls for r in records])  # (steps * calls, S*D)
    z_calls = np.concatenate([r.z_calls for r in records])
    projected, state_ratio = _fit(np.concatenate([y_calls, z_calls]), STATE_COMPONENTS)
    cells = np.stack([r.y_cells for r in records])  # (steps, cells, D)
    cell_points, cell_ratio = _fit(cells.reshape(-1, cells.shape[-1]), CELL_COMPONENTS)
    return TracePCA(projected[:len(y_calls)], projected[len(y_calls):], state_ratio,
                    cell_points.reshape(cells.shape[0], cells.shape[1], -1), cell_ratio)
