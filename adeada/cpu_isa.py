"""Which vector instructions the CPU kernels may use, so that benchmark results reproduce bit for bit.

float32 pins the precision, not the order of the floating-point sums: torch's own kernels, oneDNN
(convolutions), MKL, OpenBLAS and numpy each pick their widest vector code at run time, and AVX-512
code adds in another order than AVX2 code. The committed CamVid results were made on an AVX2 CPU;
on an AVX-512 CPU the same command gave other last bits, which training grows into differences of
0.26 mIoU points on protocol 1's CONF cells (docs/benchmarks/cpu_isa/) and up to about 1.1 in an
earlier suite (the git history of docs/benchmarks/suite.md). ``loop.cpu_isa: avx2`` caps every one of those libraries
at AVX2 through the environment variables they read when they load, so that an AVX-512 CPU runs
the code an AVX2 CPU runs. Those variables only work if they are set before the libraries load,
which is why the ``adeada`` command restarts itself with them (:func:`reexec_with_isa`) instead of
setting them in a process that has imported numpy and torch already.

Measured (docs/benchmarks.md, "The same numbers on another CPU"): with these variables a 2 vCPU
AMD EPYC with AVX-512 gave the committed AVX2 results back, every value equal; without them none. Other CPUs (Intel, ARM)
are not measured; on a CPU that is not x86-64 with AVX2 the setting cannot apply and says so.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
from typing import Iterable, Sequence

log = logging.getLogger(__name__)

# What each library reads, and the value that caps it at AVX2 (with the kernels an AVX2 AMD EPYC
# picks by itself: OpenBLAS calls that core "Zen").
AVX2_ENV = {
    "ATEN_CPU_CAPABILITY": "avx2",  # torch's own vectorised kernels (reductions, BatchNorm, ...)
    "ONEDNN_MAX_CPU_ISA": "AVX2",  # oneDNN: the convolutions
    "MKL_ENABLE_INSTRUCTIONS": "AVX2",  # MKL: torch's matrix products
    "OPENBLAS_CORETYPE": "Zen",  # numpy's and scipy's OpenBLAS: the mixture fits
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",  # numpy's own SIMD loops
}
ISAS = ("native", "avx2")
# Set by the restart, so that the restarted process does not restart again.
MARK = "ADEADA_CPU_ISA"


def isa_env(isa: str) -> dict[str, str]:
    """The environment variables that cap the CPU kernels at ``isa`` ({} for ``native``)."""
    if isa not in ISAS:
        raise ValueError(f"cpu_isa={isa!r}; expected one of {', '.join(ISAS)}")
    return dict(AVX2_ENV, **{MARK: isa}) if isa == "avx2" else {}


def cpu_has_avx2() -> bool:
    """Whether this is an x86-64 CPU with AVX2 (the only kind the ``avx2`` cap can apply to)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        with open("/proc/cpuinfo") as f:
            return any(line.startswith("flags") and " avx2" in line for line in f)
    except OSError:  # not Linux: trust the architecture
        return True


def applied(isa: str, environ: dict[str, str] | None = None) -> bool:
    """Whether this process runs under the cap for ``isa`` (every variable set as it needs)."""
    environ = os.environ if environ is None else environ
    return all(environ.get(k) == v for k, v in isa_env(isa).items() if k != MARK)


def wanted_isa(isas: Iterable[str]) -> str:
    """The one cap a command's configs ask for: ``native`` unless one of them pins another.

    Raises:
        ValueError: two configs of one command pin different caps (one process has one).
    """
    pinned = sorted(set(isas) - {"native"})
    if len(pinned) > 1:
        raise ValueError(f"the configs of this command pin different loop.cpu_isa values ({', '.join(pinned)}); "
                         "one process runs with one; run them separately")
    return pinned[0] if pinned else "native"


def reexec_with_isa(isa: str, argv: Sequence[str] | None = None) -> None:
    """Restart this ``adeada`` command with the environment of ``isa`` when it is not applied yet.

    Returns without restarting when ``isa`` is ``native``, when the cap is in place already (the
    restarted process, or a user who exported the variables), when it cannot apply on this CPU
    (warned), or when the restart already happened once (warned: something resets the variables).
    ``argv``: the command line after the program name (default ``sys.argv[1:]``).
    """
    if isa == "native" or applied(isa):
        return
    if not cpu_has_avx2():
        log.warning("loop.cpu_isa: %s asks for AVX2 kernels, but this CPU (%s) has none: its results will not "
                    "equal those made on an AVX2 CPU", isa, platform.machine())
        return
    if os.environ.get(MARK) == isa:
        log.warning("loop.cpu_isa: %s: the restart with its environment did not keep it (%s); running with the "
                    "kernels this CPU picks", isa, ", ".join(f"{k}={v}" for k, v in AVX2_ENV.items()))
        return
    argv = list(sys.argv[1:] if argv is None else argv)
    env = dict(os.environ, **isa_env(isa))
    sys.stdout.flush()
    sys.stderr.flush()
    # -c rather than the script's path: the same code however adeada was started (console
    # script, python -m, a wrapper).
    os.execve(sys.executable, [sys.executable, "-c", "import sys; from adeada.cli import main; sys.exit(main())",
                               *argv], env)


def computed_isa() -> str:
    """The vector code torch's CPU kernels run in this process ("AVX2", "AVX512", "DEFAULT", ...)."""
    import torch

    return str(torch.backends.cpu.get_cpu_capability())


def warn_if_not_applied(isa: str) -> None:
    """A library caller (no ``adeada`` command to restart) is told when the cap is not in place."""
    if isa != "native" and not applied(isa):
        log.warning("loop.cpu_isa: %s is not in effect in this process (torch computes in %s): set %s before "
                    "Python imports numpy or torch, or run through the adeada command, to reproduce results made "
                    "under it", isa, computed_isa(), " ".join(f"{k}={v}" for k, v in AVX2_ENV.items()))
