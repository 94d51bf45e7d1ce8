"""The web page in a real browser (headless Chromium through Selenium)
against a real server: the page shows the API's ranking, the threshold
line, and a click on a result searches with it.

Needs the system's Chromium and its WebDriver (``apt-get install chromium
chromium-driver``; ``.ci/run`` installs them). Without them the test is
reported as skipped with that reason. Set ``MMREID_SERVICE_SCREENSHOT`` to
a PNG path to keep the page's picture (docs/images/search_service.png is
made so).
"""
import os
import os.path as osp
import shutil

import httpx
import pytest

from tests.helpers.service_server import ServiceServer

CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
CHROMEDRIVER = shutil.which('chromedriver')
TOPK = 8


def open_browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ('--headless=new', '--no-sandbox', '--disable-gpu',
                     '--disable-dev-shm-usage', '--window-size=1100,1250'):
        options.add_argument(argument)
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


def shown(driver):
    """(id, distance, match) of each result card, in page order (read in
    one script call: the page may re-render between two WebDriver
    calls)."""
    cards = driver.execute_script(
        "return Array.from(document.querySelectorAll('#results .result'), "
        'c => [c.dataset.id, c.dataset.distance, '
        "c.classList.contains('match')]);")
    return [(i, float(d), m) for i, d, m in cards]


def expected(result):
    return [(r['id'], r['distance'], r['match']) for r in result['results']]


@pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason='Chromium/chromedriver not installed: apt-get install chromium '
    'chromium-driver (the browser test of the search page did not run)')
def test_page_shows_the_api_ranking(tiny_checkpoint, person_images,
                                    tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait
    server = ServiceServer(tiny_checkpoint,
                           str(tmp_path / 'store')).wait_ready()
    driver = None
    try:
        url = server.url
        for number, path in enumerate(person_images[:10]):
            with open(path, 'rb') as f:
                response = httpx.post(
                    f'{url}/api/images', timeout=60,
                    data=dict(camera=str(1 + number % 3),
                              time=f'2024-05-01T12:{number:02d}:00',
                              source=osp.basename(path)),
                    files=[('files', (osp.basename(path), f.read(),
                                      'image/jpeg'))])
            assert response.status_code == 200, response.text
        query = person_images[10]
        with open(query, 'rb') as f:
            plain = httpx.post(f'{url}/api/search', data=dict(topk=TOPK),
                               files=dict(file=('q.jpg', f.read()))).json()
        distances = [r['distance'] for r in plain['results']]
        cut = (distances[2] + distances[3]) / 2
        with open(query, 'rb') as f:
            api = httpx.post(f'{url}/api/search', files=dict(
                file=('q.jpg', f.read())), data=dict(
                    topk=TOPK, max_distance=repr(cut))).json()
        assert [r['match'] for r in api['results']][:4] == [True] * 3 + [
            False]

        driver = open_browser()
        wait = WebDriverWait(driver, 30)
        driver.get(url + '/')
        wait.until(lambda d: '10 pictures' in d.find_element(
            'id', 'stats').text)
        topk = driver.find_element('id', 'topk')
        topk.clear()
        topk.send_keys(str(TOPK))
        driver.find_element('id', 'max-distance').send_keys(repr(cut))
        driver.find_element('id', 'query-file').send_keys(query)
        wait.until(lambda d: len(shown(d)) == TOPK)
        assert shown(driver) == expected(api)
        line = driver.find_elements('css selector',
                                    '#results > .threshold-line')
        assert len(line) == 1 and 'No match beyond here' in line[0].text
        order = [e.get_attribute('class') for e in driver.find_elements(
            'css selector', '#results > *')]
        assert order.index('threshold-line') == 3
        assert '3 within the threshold' in driver.find_element(
            'id', 'status').text
        screenshot = os.environ.get('MMREID_SERVICE_SCREENSHOT') or str(
            tmp_path / 'page.png')
        assert driver.save_screenshot(screenshot)

        # A click on the second result searches with that entry.
        clicked = api['results'][1]['id']
        driver.find_elements('css selector', '#results .result')[1].click()
        wait.until(lambda d: shown(d) and shown(d)[0][0] == clicked)
        by_id = httpx.get(f'{url}/api/search', params=dict(
            id=clicked, topk=TOPK, max_distance=repr(cut))).json()
        assert shown(driver) == expected(by_id)
        assert 'Query: ' + by_id['query']['source'] in driver.find_element(
            'id', 'query').text
    finally:
        if driver is not None:
            driver.quit()
        server.kill()
