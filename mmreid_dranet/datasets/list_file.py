"""Reading ``path pid [camid]`` list files, as MSMT17 and custom data use."""
import os.path as osp
from typing import List, Optional, Tuple

ListEntry = Tuple[str, int, Optional[int], int]


def read_list_file(list_path: str, max_fields: int = 2) -> List[ListEntry]:
    """Read a list file of ``relative/path.jpg pid [camid]`` lines.

    Blank lines and lines starting with ``#`` are ignored.

    Args:
        list_path (str): The list file.
        max_fields (int): 2 for ``path pid``, 3 to allow an optional camid.

    Returns:
        list[tuple]: ``(path, pid, camid or None, line number)`` per line.
    """
    if not osp.isfile(list_path):
        raise FileNotFoundError(f'list file {list_path} does not exist')
    entries = []
    with open(list_path, encoding='utf-8') as f:
        for line_no, line in enumerate(f, start=1):
            fields = line.split()
            if not fields or fields[0].startswith('#'):
                continue
            if not 2 <= len(fields) <= max_fields:
                raise ValueError(
                    f'{list_path}, line {line_no}: expected '
                    f'{"path pid [camid]" if max_fields == 3 else "path pid"}'
                    f', got {line.strip()!r}.')
            try:
                numbers = [int(field) for field in fields[1:]]
            except ValueError:
                raise ValueError(f'{list_path}, line {line_no}: pid and camid '
                                 f'must be integers, got {line.strip()!r}.')
            camid = numbers[1] if len(numbers) == 2 else None
            if camid is not None and camid < 0:
                raise ValueError(f'{list_path}, line {line_no}: camid must be '
                                 f'0-based (>= 0), got {camid}.')
            entries.append((fields[0], numbers[0], camid, line_no))
    return entries


def check_files_exist(paths: List[str], source: str) -> None:
    """Raise naming the listed images that are not on disk.

    Args:
        paths (list[str]): The image paths.
        source (str): Where they were listed, for the message.
    """
    missing = [path for path in paths if not osp.isfile(path)]
    if missing:
        shown = '\n  '.join(missing[:10])
        more = f'\n  ... and {len(missing) - 10} more' if len(missing) > 10 \
            else ''
        raise FileNotFoundError(f'{len(missing)} image(s) listed in {source} '
                                f'do not exist:\n  {shown}{more}')
