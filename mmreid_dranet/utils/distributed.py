"""The end of a distributed run launched by ``tools/``."""
import time

import torch.distributed as torch_dist

# Long enough for a gloo thread waiting for the GIL to be scheduled on a
# loaded machine; paid once per run.
_GRACE_SECONDS = 0.2


def release_process_group() -> None:
    """Destroy the default process group and give gloo's threads the GIL.

    Why: a gloo worker thread frees a collective's work (and its tensors,
    which takes the GIL) only after the caller has its result. When the
    run's last collective is followed by a quick exit, the thread is still
    waiting for the GIL when the interpreter finalises; the thread is then
    told to exit inside a C++ destructor and calls ``std::terminate``. The
    process dies with SIGABRT after a successful run, and in a multi-node
    job the other node's torchrun waits for it at its exit barrier (5
    minutes) before failing too.

    Neither a barrier nor destroying the group prevents it: a barrier's
    work holds the prior works, and the group's threads are not joined
    while torch keeps references to it (the DDP wrapper imports functions
    whose defaults hold the default group). Sleeping releases the GIL, so
    the waiting thread frees the work while Python is still alive.
    """
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return
    torch_dist.destroy_process_group()
    time.sleep(_GRACE_SECONDS)
