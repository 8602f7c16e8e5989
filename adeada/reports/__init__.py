"""Reports: plots, selection overlays, result tables, and annotation-job export/import."""

from .annotation import AnnotationError, AnnotationItem, ImportResult, detect_format, export_job, read_labels
from .overlay import overlay_selection
from .palette import PART_COLORS, class_palette, colorize_label
from .plots import plot_miou_vs_labels, plot_per_class_iou
from .tables import format_markdown_table, pivot_table, read_metrics_csv, summary_table, write_csv

__all__ = [
    "AnnotationError", "AnnotationItem", "ImportResult", "PART_COLORS", "class_palette",
    "colorize_label", "detect_format", "export_job", "format_markdown_table", "overlay_selection", "pivot_table",
    "plot_miou_vs_labels", "plot_per_class_iou", "read_labels", "read_metrics_csv", "summary_table", "write_csv",
]
