"""Plots the study commands share, drawn from plain data: ``terminal`` makes lines of text
(Unicode blocks, each piece tagged with a style name the caller may colour or ignore) and
``svg`` makes a standalone SVG document a browser opens. Neither imports Rich or the CLI, so
the web reader and scripts draw the same charts."""

from kscorpus.charts.model import Bar, Panel, Series, Strip

__all__ = ["Bar", "Panel", "Series", "Strip"]
