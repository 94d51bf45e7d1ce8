"""A real uvicorn server: killed with SIGKILL in the middle of ingesting,
restarted on the same store (every acknowledged upload there, no half
entry), then a small load of concurrent clients adding and searching."""
import os
import os.path as osp
import threading
import time

import httpx

from tests.helpers.service_server import ServiceServer, jpeg_bytes

# Images per upload: enough that writing and embedding one batch takes a
# while, so that the kill lands inside it.
BATCH = 16


def batch_files(first_seed):
    return [('files', (f'img{s}.jpg', jpeg_bytes(s), 'image/jpeg'))
            for s in range(first_seed, first_seed + BATCH)]


def files_on_disk(store):
    images = osp.join(store, 'images')
    return {f.split('.')[0] for d in os.listdir(images) if d != '.incoming'
            for f in os.listdir(osp.join(images, d))}


def all_ids(url, some_id):
    found = httpx.get(f'{url}/api/search', params=dict(id=some_id, topk=100),
                      timeout=60).json()['results']
    return {r['id'] for r in found}


def test_kill_mid_ingest_then_restart_then_load(tiny_checkpoint, tmp_path):
    store = str(tmp_path / 'store')
    server = ServiceServer(tiny_checkpoint, store).wait_ready()
    acknowledged, seen = {}, threading.Event()

    def ingest():
        with httpx.Client(base_url=server.url, timeout=60) as client:
            for number in range(12):
                try:
                    response = client.post(
                        '/api/images', files=batch_files(number * BATCH),
                        data=dict(camera=str(number % 3)))
                except httpx.TransportError:
                    return  # killed mid-request
                assert response.status_code == 200, response.text
                for image in response.json()['images']:
                    acknowledged[image['id']] = image['name']
                if number == 1:
                    seen.set()

    uploader = threading.Thread(target=ingest)
    uploader.start()
    assert seen.wait(120), 'no upload acknowledged'
    # Kill once the next batch's images are on disk but not acknowledged:
    # in the middle of its ingest.
    deadline = time.monotonic() + 60
    while (len(files_on_disk(store)) <= len(acknowledged)
           and time.monotonic() < deadline):
        time.sleep(0.002)
    in_flight = len(files_on_disk(store)) - len(acknowledged)
    server.kill()  # SIGKILL: no shutdown code runs
    assert in_flight > 0, 'the kill did not land inside a batch'
    uploader.join(60)
    assert not uploader.is_alive()
    assert 2 * BATCH <= len(acknowledged) < 12 * BATCH

    server = ServiceServer(tiny_checkpoint, store).wait_ready()
    try:
        url = server.url
        stats = httpx.get(f'{url}/api/stats').json()
        some_id = next(iter(acknowledged))
        stored = all_ids(url, some_id)
        # Every acknowledged image is there, with its bytes ...
        assert set(acknowledged) <= stored
        for entry_id, name in list(acknowledged.items())[::5]:
            seed = int(name[3:-4])
            image = httpx.get(f'{url}/api/images/{entry_id}/file')
            assert image.content == jpeg_bytes(seed)
        # ... and no half entry: rows and image files are the same set.
        assert stored == files_on_disk(store)
        assert stats['entries'] == len(stored)
        assert os.listdir(osp.join(store, 'images', '.incoming')) == []

        run_load(url, len(stored))
    finally:
        server.kill()


def run_load(url, start_entries, clients=4, rounds=3):
    """``clients`` threads, each adding 2 new images and searching (by
    upload and by id) ``rounds`` times: no error, nothing lost."""
    errors, added = [], {}

    def client_work(number):
        try:
            with httpx.Client(base_url=url, timeout=60) as client:
                for step in range(rounds):
                    seed = 10000 + 100 * number + 2 * step
                    files = [('files', (f'load{s}.jpg', jpeg_bytes(s),
                                        'image/jpeg'))
                             for s in (seed, seed + 1)]
                    response = client.post('/api/images', files=files)
                    assert response.status_code == 200, response.text
                    ids = [i['id'] for i in response.json()['images']]
                    added.update((i, seed) for i in ids)
                    found = client.post('/api/search', data=dict(topk='5'),
                                        files=dict(file=files[0][1]))
                    assert found.status_code == 200, found.text
                    assert found.json()['results'][0]['id'] == ids[0]
                    by_id = client.get('/api/search',
                                       params=dict(id=ids[1], topk=5))
                    assert by_id.json()['results'][0]['id'] == ids[1]
        except BaseException as error:  # reported by the main thread
            errors.append(f'client {number}: {error!r}')

    threads = [threading.Thread(target=client_work, args=(n, ))
               for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(t.is_alive() for t in threads), 'a client hung'
    assert errors == []
    assert len(added) == clients * rounds * 2
    stats = httpx.get(f'{url}/api/stats').json()
    assert stats['entries'] == start_entries + len(added)
    assert set(added) <= all_ids(url, next(iter(added)))
