"""Linear operators that carry a bound on their norm through products and adjoints.

FISTA's step is ``1 / ||A||^2`` for ``A = Phi @ W.H``: an operator of this kind knows
its own bound, its adjoint (``.H``) has the same, and the product of two of them
(``A @ B``) is bounded by ``||A|| ||B||``. SciPy's own product and adjoint classes are
private, so these build theirs, through the extension points :class:`LinearOperator`
documents (``_matvec``, ``_rmatvec``, ``_matmat``, ``_rmatmat``, ``_adjoint``), with
the same arithmetic. A product with any other LinearOperator is SciPy's plain one.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import LinearOperator

__all__ = ["BoundedOperator"]


class BoundedOperator(LinearOperator):
    """A LinearOperator with a guaranteed upper bound on its largest singular value."""

    def norm_bound(self):
        """A guaranteed upper bound on the largest singular value."""
        raise NotImplementedError

    def _adjoint(self):
        return _Adjoint(self)

    def _rmatmat(self, x):
        # SciPy's default goes through .H, whose _matmat comes back here: column by column,
        # as SciPy does for an operator that keeps its default adjoint.
        return np.hstack([self.rmatvec(col.reshape(-1, 1)) for col in x.T])

    def dot(self, x):
        if isinstance(x, BoundedOperator):
            return _Product(self, x)
        return super().dot(x)


class _Adjoint(BoundedOperator):
    def __init__(self, operator):
        super().__init__(dtype=operator.dtype, shape=operator.shape[::-1])
        self.operator = operator

    def _matvec(self, x):
        return self.operator._rmatvec(x)

    def _rmatvec(self, x):
        return self.operator._matvec(x)

    def _matmat(self, x):
        return self.operator._rmatmat(x)

    def _rmatmat(self, x):
        return self.operator._matmat(x)

    def _adjoint(self):
        return self.operator

    def norm_bound(self):
        return self.operator.norm_bound()


class _Product(BoundedOperator):
    def __init__(self, left, right):
        if left.shape[1] != right.shape[0]:
            raise ValueError(f"cannot multiply {left} and {right}: shape mismatch")
        dtype = np.result_type(left.dtype, right.dtype)
        super().__init__(dtype=dtype, shape=(left.shape[0], right.shape[1]))
        self.factors = (left, right)

    def _matvec(self, x):
        return self.factors[0].matvec(self.factors[1].matvec(x))

    def _rmatvec(self, x):
        return self.factors[1].rmatvec(self.factors[0].rmatvec(x))

    def _matmat(self, x):
        return self.factors[0].matmat(self.factors[1].matmat(x))

    def _rmatmat(self, x):
        return self.factors[1].rmatmat(self.factors[0].rmatmat(x))

    def _adjoint(self):
        left, right = self.factors
        return _Product(right.H, left.H)

    def norm_bound(self):
        return self.factors[0].norm_bound() * self.factors[1].norm_bound()
