"""PCA views of a trace, fitted once per trace.

- State trajectory: every inner call's whole y and whole z (S*D values each) as points, one PCA fitted on
  both, so the two paths share axes: watch y settle while z keeps moving.
- Cell clusters: y at each cell position after each step (D values) as points, coloured later by the digit
  the model predicts there: digit clusters form as the model commits.
"""

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.decomposition import PCA

STATE_COMPONENTS = 3
CELL_COMPONENTS = 2
RANGE_OVERSAMPLING = 10  # extra random probes beyond the components kept (scikit-learn's default)
POWER_ITERATIONS = 5  # enough for the top 3 axes of a trace to match the exact PCA's (tests/test_trace_pca.py)


@dataclass
class TracePCA:
    """Projections and explained-variance ratios of the two views."""

    y_path: np.ndarray  # (steps * calls, 3) y after each inner call, in call order
    z_path: np.ndarray  # (steps * calls, 3)
    state_explained: np.ndarray  # (3,) explained-variance ratio
    cells: np.ndarray  # (steps, cells, 2) y at each cell position after each step
    cells_explained: np.ndarray  # (2,)


def _fit(points: np.ndarray, components: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The exact PCA of narrow points (a cell's D values) via the D x D covariance, which is ~5x faster than a
    full SVD of (steps*cells, D) and gives the same axes."""
    components = min(components, points.shape[0], points.shape[1])
    pca = PCA(n_components=components, svd_solver="covariance_eigh", random_state=seed)
    projected = pca.fit_transform(points.astype(np.float32))
    return projected, pca.explained_variance_ratio_


def _fit_wide(blocks: list[np.ndarray], components: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """PCA of the rows of ``blocks`` stacked (few points of S*D values each: whole states) by a randomized range
    finder in PyTorch, as scikit-learn's randomized solver but without its copies of the float32 matrix (hundreds
    of MB for a deep model, where the copies took longer than the maths). Axes' signs are fixed as scikit-learn
    fixes them (largest loading positive), so the same trace always draws the same picture."""
    count, width = sum(len(block) for block in blocks), blocks[0].shape[1]
    points, row = torch.empty(count, width), 0
    for block in blocks:  # one float32 matrix, filled in place from the float16 states
        points[row:row + len(block)] = torch.from_numpy(block)
        row += len(block)
    points -= points.mean(0)
    components = min(components, count, width)
    probes = min(components + RANGE_OVERSAMPLING, count, width)
    generator = torch.Generator().manual_seed(seed)
    basis = torch.linalg.qr(points @ torch.randn(width, probes, generator=generator)).Q
    for _ in range(POWER_ITERATIONS):  # sharpen the range towards the leading singular vectors
        basis = torch.linalg.qr(points @ (points.T @ basis)).Q
    left, singular, right = torch.linalg.svd(basis.T @ points, full_matrices=False)
    left, singular, right = basis @ left[:, :components], singular[:components], right[:components]
    signs = torch.sign(right.gather(1, right.abs().argmax(1, keepdim=True))).squeeze(1)
    total = float(points.pow(2).sum())
    ratio = (singular ** 2 / total).numpy() if total > 0 else np.zeros(components, dtype=np.float32)
    return (left * singular * signs).numpy(), ratio


def fit_trace_pca(records) -> TracePCA | None:
    """Fit both views on the StepRecords' kept states; None when the records hold no per-call states."""
    if not records or records[0].y_calls is None:
        return None
    calls = sum(len(r.y_calls) for r in records)  # steps * calls; y's rows first, then z's
    projected, state_ratio = _fit_wide([r.y_calls for r in records] + [r.z_calls for r in records],
                                       STATE_COMPONENTS)
    cells = np.stack([r.y_cells for r in records])  # (steps, cells, D)
    cell_points, cell_ratio = _fit(cells.reshape(-1, cells.shape[-1]), CELL_COMPONENTS)
    return TracePCA(projected[:calls], projected[calls:], state_ratio,
                    cell_points.reshape(cells.shape[0], cells.shape[1], -1), cell_ratio)
