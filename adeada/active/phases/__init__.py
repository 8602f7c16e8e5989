"""The phases of one active round, one module each, as the loop runs them (docs/architecture.md):

``warmup`` (once), then per round ``stats`` -> ``select`` -> ``label`` -> ``train`` -> ``evaluate``.
Each phase is a function ``(ctx, k) -> info`` that writes its files atomically into the round's
folder; the loop records it as done in ``state.json`` only after it returned.
"""
