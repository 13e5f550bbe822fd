module flaky

go 1.26.0
