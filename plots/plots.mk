# plots.mk — `make plots` and `make report`; the top-level Makefile includes it.
#
#   make plots            collect the data that is missing (out/data/, well
#                         under a minute on 2 cores), then draw PNG + SVG
#                         images into out/plots/
#   make plots FRESH=1    measure everything again first
#   make report           measure afresh and write report/REPORT.md with its
#                         images beside it (a few minutes)
#   make report DATA=DIR  no measuring: report/machines/REPORT.md from the CSV files in DIR
#                         (bench or bench-scale, from any machines), one
#                         series per machine (plots/report-machines.sh)
# COMPARE_CSV=FILE (e.g. from `pipelab compare IN --csv FILE`) adds a bar
# chart of that comparison. See plots/plots.sh and plots/report.sh.

.PHONY: plots report

plots: $(B)/pipelab ## collect the missing data into out/data, draw out/plots (FRESH=1: measure again)
	@PIPELAB=$(B)/pipelab FRESH='$(FRESH)' plots/plots.sh --collect

report: $(B)/pipelab ## measure afresh, write report/REPORT.md (a few minutes; DATA=DIR: report/machines/REPORT.md from the CSVs in DIR, one series per machine)
	@PIPELAB=$(B)/pipelab DATA='$(DATA)' plots/report.sh
