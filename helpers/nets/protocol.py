"""The report's one training protocol, and what a reader is told about it.

Every classifier (chapters 02-04) is trained under one :class:`Protocol`: a stratified
validation split held out of its training images for early stopping, at most
``max_epochs`` epochs. Here too: the checks of cross-validation parameters, the seeded
splits, and the sentences saying whether the epoch budget ended any fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.checks import check_int, check_seed

__all__ = [
    "Protocol",
    "check_training",
    "validation_split",
    "final_validation_split",
    "stopped_by_budget",
    "epoch_budget_note",
]


@dataclass(frozen=True)
class Protocol:
    """One training protocol for every classifier of the report.

    Each fit holds out a stratified ``validation_fraction`` of its training
    images, trains for at most ``max_epochs`` epochs, stops when the
    validation loss has not improved for ``patience`` epochs, and keeps the
    weights of the best epoch. Test images are never seen during training.
    """

    max_epochs: int
    patience: int
    validation_fraction: float = 0.1
    batch_size: int = 64

    def __post_init__(self):
        check_int(self.max_epochs, "max_epochs", min_value=1)
        check_int(self.patience, "patience", min_value=1)
        check_int(self.batch_size, "batch_size", min_value=1)
        if not 0.0 < float(self.validation_fraction) < 0.5:
            raise ValueError(
                f"validation_fraction must be in (0, 0.5), got {self.validation_fraction}"
            )

    def describe(self):
        """One sentence stating the protocol, for the report."""
        return (
            f"at most {self.max_epochs} epochs, early stopping on the validation loss with "
            f"patience {self.patience} (best epoch's weights kept), on a stratified "
            f"{self.validation_fraction:.0%} of the training images held out for validation, "
            f"batch size {self.batch_size}"
        )


def check_training(n_samples, *, folds, seed, n_available=None):
    """Validate cross-validation parameters before any work; return them as ints."""
    folds = check_int(folds, "folds", min_value=2)
    seed = check_seed(seed)
    if n_samples is not None:
        n_samples = check_int(n_samples, "n_train", min_value=10 * folds)
        if n_available is not None and n_samples > n_available:
            raise ValueError(
                f"n_train={n_samples} is larger than the training split "
                f"({n_available} images); use at most {n_available}"
            )
    return folds, seed


def validation_split(y, fraction, seed):
    """Stratified ``(fit_indices, validation_indices)`` of ``y`` (seeded)."""
    from sklearn.model_selection import train_test_split

    indices = np.arange(len(y))
    fit_idx, val_idx = train_test_split(indices, test_size=fraction, stratify=y, random_state=seed)
    return np.sort(fit_idx), np.sort(val_idx)


def final_validation_split(y, protocol, seed):
    """The validation split a final model was trained with (seeded, stratified)."""
    return validation_split(y, protocol.validation_fraction, seed)


def stopped_by_budget(best_epoch, epochs_run, protocol):
    """Whether a fit ended at ``max_epochs`` before early stopping could end it.

    Early stopping ends a fit ``patience`` epochs after its best epoch; a fit
    that ran ``max_epochs`` epochs with its best epoch later than
    ``max_epochs - patience`` was still improving when the budget ended it.
    """
    return (
        epochs_run >= protocol.max_epochs and best_epoch > protocol.max_epochs - protocol.patience
    )


def epoch_budget_note(fits, protocol):
    """One sentence on whether the epoch budget ended any of ``fits``.

    ``fits`` maps a model family (e.g. ``"CNN, cifar10"``) to a list of
    ``(best_epoch, epochs_run)`` pairs.
    """
    bound = {
        family: sum(stopped_by_budget(b, r, protocol) for b, r in pairs)
        for family, pairs in fits.items()
    }
    total = sum(len(p) for p in fits.values())
    if not any(bound.values()):
        return (
            f"Every one of the {total} fits was ended by early stopping (patience "
            f"{protocol.patience}) before the {protocol.max_epochs}-epoch limit."
        )
    parts = [f"{family}: {n} of {len(fits[family])}" for family, n in bound.items() if n]
    return (
        f"The {protocol.max_epochs}-epoch limit ended some fits before early stopping could "
        f"(their best epoch was within the last {protocol.patience}: {'; '.join(parts)}): "
        f"those models may be under-trained, and a larger max_epochs could change their numbers."
    )
