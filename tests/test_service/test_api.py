"""The HTTP API on the tiny model (FastAPI's TestClient, real JPEG files):
add, fetch, delete, search, filters, threshold, and each security rule."""
import os
import os.path as osp

import numpy as np
import pytest
from fastapi.testclient import TestClient

from mmreid_dranet.apis import DistanceThreshold, ReIDGallery
from mmreid_dranet.service.app import create_app
from mmreid_dranet.utils.provenance import (EmbeddingProvenance,
                                            ProvenanceMismatchError)
from tests.helpers.scripts import load_script

TOKEN = 'secret-token'
AUTH = {'Authorization': f'Bearer {TOKEN}'}


def uploads(paths):
    return [('files', (osp.basename(p), open(p, 'rb').read(), 'image/jpeg'))
            for p in paths]


def stored_files(service):
    images = service.store.images
    return sorted(f for d in os.listdir(images) if d != '.incoming'
                  for f in os.listdir(osp.join(images, d)))


def test_add_fetch_search_delete(make_service, person_images, inferencer):
    service = make_service()
    client = TestClient(create_app(service))
    first, second = person_images[:6], person_images[6:10]
    response = client.post('/api/images', files=uploads(first),
                           data=dict(camera='1', time='2024-05-01T12:00:00',
                                     source='track 7'))
    assert response.status_code == 200, response.text
    added = response.json()['images']
    assert [a['added'] for a in added] == [True] * 6
    response = client.post('/api/images', data=dict(camera='2',
                                                    time='1714600000'),
                           files=uploads(second + first[:1]))
    assert [a['added'] for a in response.json()['images']] == [True] * 4 + [
        False]  # the same image twice is one entry
    assert response.json()['entries'] == 10
    ids = [a['id'] for a in added] + [
        a['id'] for a in response.json()['images'][:4]]

    meta = client.get(f'/api/images/{ids[0]}').json()
    assert meta['camera'] == 1 and meta['source'] == 'track 7'
    assert meta['time_iso'] == '2024-05-01T12:00:00+00:00'
    image = client.get(meta['image_url'])
    assert image.headers['content-type'] == 'image/jpeg'
    assert image.content == open(first[0], 'rb').read()

    # Search by an uploaded image: the exact ranking of ReIDGallery over
    # the model's embeddings of the same files.
    embedded = inferencer(person_images[:10])['embeddings']
    expected = ReIDGallery(embedded).search(embedded[7], topk=5)
    response = client.post('/api/search', data=dict(topk='5'), files=dict(
        file=('query.jpg', open(person_images[7], 'rb').read())))
    assert response.status_code == 200, response.text
    results = response.json()['results']
    assert [ids[i] for i in expected.indices[0]] == [r['id']
                                                     for r in results]
    np.testing.assert_allclose([r['distance'] for r in results],
                               expected.distances[0], rtol=1e-5, atol=1e-6)
    assert response.json()['query']['name'] == 'query.jpg'
    assert response.json()['threshold'] is None
    # By id: the same list (the entry itself first).
    by_id = client.get('/api/search', params=dict(id=ids[7], topk=5)).json()
    assert [r['id'] for r in by_id['results']] == [r['id'] for r in results]
    assert by_id['results'][0]['distance'] < 1e-5  # rounding only

    # Filters: camera 1 only; then a time window that holds camera 2 only.
    cam1 = client.get('/api/search', params=dict(id=ids[7], topk=10,
                                                 cameras='1')).json()
    assert sorted(r['id'] for r in cam1['results']) == sorted(ids[:6])
    late = client.get('/api/search', params=dict(
        id=ids[0], topk=10, time_from='2024-05-01T12:00:01')).json()
    assert sorted(r['id'] for r in late['results']) == sorted(ids[6:])
    assert late['filter']['time_from'] == '2024-05-01T12:00:01+00:00'
    bad = client.get('/api/search', params=dict(id=ids[0], cameras='one'))
    assert bad.status_code == 422 and "'one'" in bad.json()['detail']

    # max_distance marks each result, and counts the matches.
    cut = float(results[2]['distance'])
    marked = client.get('/api/search', params=dict(
        id=ids[7], topk=5, max_distance=cut)).json()
    assert [r['match'] for r in marked['results']] == [True] * 3 + [False] * 2
    assert marked['matches'] == 3

    deleted = client.delete(f'/api/images/{ids[0]}')
    assert deleted.status_code == 200 and deleted.json()['entries'] == 9
    assert client.get(f'/api/images/{ids[0]}').status_code == 404
    assert client.delete(f'/api/images/{ids[0]}').status_code == 404
    assert f'{ids[0]}.jpg' not in stored_files(service)
    assert service.store.count() == 9
    stats = client.get('/api/stats').json()
    assert stats['entries'] == 9 and stats['dim'] == embedded.shape[1]
    assert stats['model']['checkpoint_sha256'] == (
        inferencer.provenance.checkpoint_sha256)
    assert client.get('/api/health').json() == dict(status='ok', entries=9)
    schema = client.get('/openapi.json').json()
    assert {'/api/images', '/api/search', '/api/images/{entry_id}'} <= set(
        schema['paths'])
    assert 'id="query-file"' in client.get('/').text
    assert client.get('/static/app.js').status_code == 200


def test_threshold_file(make_service, person_images, inferencer, tmp_path):
    threshold = DistanceThreshold(0.05, 'euclidean', 1e-3, 8e-4, 0.9, 10,
                                  100, inferencer.provenance)
    path = threshold.save(str(tmp_path / 'threshold.json'))
    service = make_service(threshold=DistanceThreshold.load(path))
    client = TestClient(create_app(service))
    client.post('/api/images', files=uploads(person_images[:6]))
    query = dict(file=('q.jpg', open(person_images[0], 'rb').read()))
    result = client.post('/api/search', files=query).json()
    assert result['threshold'] == dict(max_distance=0.05, label='FPR 1e-3')
    assert [r['match'] for r in result['results']] == [
        r['distance'] <= 0.05 for r in result['results']]
    assert result['results'][0]['match'] is True
    assert client.get('/api/stats').json()['threshold']['label'] == (
        'FPR 1e-3')
    # A request's max_distance overrides the file for that search.
    strict = client.post('/api/search', files=query,
                         data=dict(max_distance='1e-5')).json()
    assert strict['threshold']['label'] == 'distance <= 1e-05'
    assert strict['matches'] == 1  # the image itself, at distance ~0
    # Another model's threshold is refused, naming both.
    other = DistanceThreshold(0.05, 'euclidean', 1e-3, 8e-4, 0.9, 10, 100,
                              EmbeddingProvenance('other', 'ef' * 32, False,
                                                  False))
    with pytest.raises(ProvenanceMismatchError, match='efefefefefef'):
        make_service(folder=str(tmp_path / 'other'), threshold=other)


def test_security(make_service, person_images):
    service = make_service()
    client = TestClient(create_app(service, token=TOKEN, max_upload_mb=0.01,
                                   max_files=3))
    images = uploads(person_images[:2])
    refused = client.post('/api/images', files=images)
    assert refused.status_code == 401 and '--token' in refused.json()[
        'detail']
    wrong = client.post('/api/images', files=images,
                        headers={'Authorization': 'Bearer nope'})
    assert wrong.status_code == 401
    response = client.post('/api/images', files=images, headers=AUTH)
    assert response.status_code == 200, response.text
    entry = response.json()['images'][0]['id']
    assert client.delete(f'/api/images/{entry}').status_code == 401
    # Reading and searching need no token.
    assert client.get(f'/api/search?id={entry}').status_code == 200

    # Too many files, too large a file: 413 naming the limit.
    many = client.post('/api/images', files=uploads(person_images[2:6]),
                       headers=AUTH)
    assert many.status_code == 413
    assert 'over the limit of 3' in many.json()['detail']
    big = ('files', ('big.jpg', b'\xff\xd8\xff' + bytes(20000),
                     'image/jpeg'))
    large = client.post('/api/images', files=[big], headers=AUTH)
    assert large.status_code == 413
    assert "'big.jpg' is larger than the limit of 0.01 MiB" in large.json()[
        'detail']
    huge = client.post('/api/images', headers=AUTH, files=[
        ('files', (f'{i}.jpg', bytes(40000), 'image/jpeg')) for i in range(3)
    ])
    assert huge.status_code == 413 and 'over the limit of' in huge.json()[
        'detail']

    # Not an image, or a damaged one, among good ones: refused by name,
    # nothing stored.
    before = stored_files(service)
    text = ('files', ('notes.txt', b'just text', 'text/plain'))
    damaged = ('files', ('cut.jpg', open(person_images[3], 'rb').read()[:60],
                         'image/jpeg'))
    for bad, name in ((text, 'notes.txt'), (damaged, 'cut.jpg')):
        response = client.post('/api/images', headers=AUTH,
                               files=uploads(person_images[4:5]) + [bad])
        assert response.status_code == 415, response.text
        assert f"'{name}'" in response.json()['detail']
        assert 'nothing was stored' in response.json()['detail']
    assert stored_files(service) == before and len(service) == 2
    assert service.store.count() == 2
    query = client.post('/api/search', files=dict(file=text[1]))
    assert query.status_code == 415 and 'notes.txt' in query.json()['detail']

    # Only ids reach the file system: anything else is an unknown entry.
    for bad_id in ('../store.json', '..%2Fstore.json', 'store.json',
                   entry.upper(), entry[:-1] + 'g', '0' * 64):
        for url in (f'/api/images/{bad_id}', f'/api/images/{bad_id}/file'):
            assert client.get(url).status_code == 404, url
        assert client.get('/api/search',
                          params=dict(id=bad_id)).status_code == 404
    assert client.delete('/api/images/' + '0' * 64,
                         headers=AUTH).status_code == 404
    assert client.get('/api/search', params=dict(id=entry, topk=0)
                      ).status_code == 422


def test_serve_binds_loopback_by_default():
    serve = load_script('tools/serve.py')
    args = serve.parse_args(['cfg.py', 'ckpt.pth', '--store', 'folder'])
    assert (args.host, args.port, args.token) == ('127.0.0.1', 8000, None)
    assert args.search == 'memory'


def test_database_search_mode(make_service, person_images, tmp_path):
    """``--search database``: the same answers, only metadata in memory;
    a store filled by one mode opens in the other."""
    folder = str(tmp_path / 'shared')
    memory = make_service(folder=folder)
    client = TestClient(create_app(memory))
    ids = [i['id'] for i in client.post(
        '/api/images', files=uploads(person_images[:8]),
        data=dict(camera='1')).json()['images']]
    expected = client.get('/api/search', params=dict(id=ids[3], topk=6,
                                                     cameras='1')).json()
    memory.store.close()
    database = make_service(folder=folder, search='database')
    assert len(database) == 8 and len(database.index) == 0
    client = TestClient(create_app(database))
    found = client.get('/api/search', params=dict(id=ids[3], topk=6,
                                                  cameras='1')).json()
    assert [r['id'] for r in found['results']] == [
        r['id'] for r in expected['results']]
    np.testing.assert_allclose([r['distance'] for r in found['results']],
                               [r['distance'] for r in expected['results']],
                               rtol=1e-4, atol=1e-5)
    assert client.get('/api/search', params=dict(id=ids[3], cameras='2')
                      ).json()['results'] == []
    assert client.delete(f'/api/images/{ids[0]}').status_code == 200
    assert database.store.count() == 7
    assert client.get('/api/stats').json()['search'] == 'database'
