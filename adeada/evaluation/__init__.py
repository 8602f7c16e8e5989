"""Evaluation: confusion matrix, mIoU (with class subsets) and tables."""

from adeada.evaluation.config import EvalConfig
from adeada.evaluation.confusion import ConfusionMatrix, class_indices, format_iou_table
from adeada.evaluation.evaluate import EvalResult, evaluate

__all__ = ["ConfusionMatrix", "EvalConfig", "EvalResult", "class_indices", "evaluate", "format_iou_table"]
