"""Iterate in a background thread, a few items ahead of the consumer."""
import queue
import threading
from typing import Iterable, Iterator


def prefetch(iterable: Iterable, depth: int = 1) -> Iterator:
    """Iterate ``iterable`` in a background thread, ``depth`` items ahead.

    Image decoding and resizing (OpenCV) and a model's forward pass (torch)
    release the GIL, so producing the next item overlaps the work done on
    the current one. An error of the producer is raised in the consumer;
    a consumer that stops early stops the producer.

    Args:
        iterable (Iterable): The items, produced in the background thread.
        depth (int): How many items the producer may run ahead.
            Defaults to 1.

    Yields:
        The items of ``iterable``, in order.
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f'depth must be a positive int, got {depth!r}')
    slots: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                slots.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for item in iterable:
                if not put((item, None)):
                    return
            put((done, None))
        except BaseException as error:  # handed to the consumer
            put((done, error))

    worker = threading.Thread(target=produce, daemon=True)
    worker.start()
    try:
        while True:
            item, error = slots.get()
            if error is not None:
                raise error
            if item is done:
                return
            yield item
    finally:
        stop.set()  # a consumer that stops early frees the producer
        worker.join()
