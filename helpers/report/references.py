"""The works the report relies on, listed once at its end (the chapters name them)."""

from __future__ import annotations

__all__ = ["REFERENCES", "references_markdown"]

# (short key, full reference, where the report uses it)
REFERENCES = (
    (
        "Study",
        "The study reproduced here: compressive-sensing reconstruction, CNN and random "
        "projection + MLP classification (its numbers and words: `study-results.md`).",
        "every chapter's 'study' columns",
    ),
    (
        "Nadeau & Bengio 2003",
        "C. Nadeau and Y. Bengio, Inference for the generalization error, Machine "
        "Learning 52(3), 239-281, 2003.",
        "corrected CV intervals and t-tests (chapters 2, 3, summary)",
    ),
    (
        "Schuirmann 1987",
        "D. J. Schuirmann, A comparison of the two one-sided tests procedure and the power "
        "approach for assessing the equivalence of average bioavailability, Journal of "
        "Pharmacokinetics and Biopharmaceutics 15(6), 657-680, 1987.",
        "holds / fails / inconclusive on 90% intervals (summary)",
    ),
    (
        "McNemar 1947",
        "Q. McNemar, Note on the sampling error of the difference between correlated "
        "proportions or percentages, Psychometrika 12(2), 153-157, 1947.",
        "paired test-split comparisons (chapters 3, 4)",
    ),
    (
        "Berger & Boos 1994",
        "R. L. Berger and D. D. Boos, P values maximised over a confidence set for the "
        "nuisance parameter, Journal of the American Statistical Association 89(427), "
        "1012-1016, 1994.",
        "the exact non-inferiority test of the compressed CNN against its control (chapter 4)",
    ),
    (
        "Condat 2013",
        "L. Condat, A primal-dual splitting method for convex optimization involving "
        "Lipschitzian, proximable and linear composite terms, Journal of Optimization Theory "
        "and Applications 158(2), 460-479, 2013.",
        "the total-variation solver (chapter 1)",
    ),
    (
        "Beck & Teboulle 2009",
        "A. Beck and M. Teboulle, A fast iterative shrinkage-thresholding algorithm for "
        "linear inverse problems, SIAM Journal on Imaging Sciences 2(1), 183-202, 2009.",
        "FISTA, the l1 solver of chapter 1",
    ),
    (
        "Donoho & Tanner 2009",
        "D. L. Donoho and J. Tanner, Observed universality of phase transitions in "
        "high-dimensional geometry, Philosophical Transactions of the Royal Society A "
        "367, 4273-4293, 2009.",
        "the l1 phase transition (chapter 1)",
    ),
    (
        "van den Berg & Friedlander 2008",
        "E. van den Berg and M. P. Friedlander, Probing the Pareto frontier for basis "
        "pursuit solutions, SIAM Journal on Scientific Computing 31(2), 890-912, 2008.",
        "SPGL1 (basis pursuit, chapter 1)",
    ),
    (
        "Johnson & Lindenstrauss 1984",
        "W. B. Johnson and J. Lindenstrauss, Extensions of Lipschitz mappings into a "
        "Hilbert space, Contemporary Mathematics 26, 189-206, 1984.",
        "distance preservation of the random projection (chapter 3)",
    ),
    (
        "Denton et al. 2014",
        "E. Denton, W. Zaremba, J. Bruna, Y. LeCun and R. Fergus, Exploiting linear "
        "structure within convolutional networks for efficient evaluation, NeurIPS 2014.",
        "SVD compression of the CNN's layers (chapter 4)",
    ),
)


def references_markdown():
    """The references section, one numbered entry per work with where it is used."""
    lines = ["# References", ""]
    for i, (key, full, used) in enumerate(REFERENCES, start=1):
        lines.append(f"{i}. **{key}.** {full} Used for: {used}.")
    return "\n".join(lines)
