"""Quality gates: Great Expectations suites as blocking asset checks."""
