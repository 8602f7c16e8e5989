"""Shared settings for the model tests: 2 threads (the machine is shared), fixed seeds."""
import pytest
import torch


@pytest.fixture(autouse=True)
def _torch_threads():
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(previous)

