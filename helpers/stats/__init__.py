"""The statistics the report uses, at the bottom of the package: nothing here imports
another part of ``helpers``, and the chapters' modules (``helpers.nets``) and the
summary's verdicts (``helpers.summary``) import it.

``significance``
    Paired tests of fold scores (the plain and the Nadeau-Bengio corrected resampled
    t-test), Welch-Satterthwaite degrees of freedom, the exact McNemar test and the
    exact non-inferiority test of two classifiers on the same test images.
``intervals``
    Intervals of cross-validated means and their gaps (Nadeau-Bengio corrected
    variance), t-intervals, and means over seed runs (pooled and random-effects).
``ratios``
    Timing ratios with their intervals: latency (paired rounds), training throughput
    (Welch) and time to a trained model (over runs).
"""
