"""Reports: plots, selection overlays and result tables (annotation jobs: ``adeada.annotation``).

The names below load on first use: ``adeada.annotation`` (and so the CLI's ``--format`` choices)
reads this package's PNG and palette helpers without importing matplotlib.
"""

from adeada.lazy import lazy_getattr

__all__ = [
    "PART_COLORS", "class_palette", "colorize_label", "format_markdown_table", "overlay_selection", "pivot_table",
    "plot_miou_vs_labels", "plot_per_class_iou", "read_metrics_csv", "summary_table", "write_csv",
]

# name -> the module that defines it
_LAZY = {
    "overlay_selection": "overlay",
    "PART_COLORS": "palette", "class_palette": "palette", "colorize_label": "palette",
    "plot_miou_vs_labels": "plots", "plot_per_class_iou": "plots",
    "format_markdown_table": "tables", "pivot_table": "tables", "read_metrics_csv": "tables",
    "summary_table": "tables", "write_csv": "tables",
}

__getattr__ = lazy_getattr(__name__, globals(), _LAZY)
