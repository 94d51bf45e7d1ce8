"""Reading ``path pid [camid]`` list files, as MSMT17 and custom data use."""
import os.path as osp
import warnings
from typing import List, Optional, Tuple, Union

ListEntry = Tuple[str, Union[int, str], Optional[int], int]


def read_list_file(list_path: str,
                   max_fields: int = 2,
                   named_ids: bool = False) -> List[ListEntry]:
    """Read a list file of ``relative/path.jpg pid [camid]`` lines.

    Blank lines and lines starting with ``#`` are ignored. An image listed
    twice with different identities is an error naming both lines; listed
    twice with the same identity, a warning (both lines are kept).

    Args:
        list_path (str): The list file.
        max_fields (int): 2 for ``path pid``, 3 to allow an optional camid.
        named_ids (bool): Keep the identity field as written (a name such
            as ``alice`` or ``0001_a``) instead of requiring an integer.

    Returns:
        list[tuple]: ``(path, pid, camid or None, line number)`` per line;
        pid is an int, or the str as written with ``named_ids``.
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
                pid = fields[1] if named_ids else int(fields[1])
                camid = int(fields[2]) if len(fields) == 3 else None
            except ValueError:
                raise ValueError(f'{list_path}, line {line_no}: pid and camid '
                                 f'must be integers, got {line.strip()!r}.')
            if camid is not None and camid < 0:
                raise ValueError(f'{list_path}, line {line_no}: camid must be '
                                 f'0-based (>= 0), got {camid}.')
            entries.append((fields[0], pid, camid, line_no))
    _check_repeated_images(entries, list_path)
    return entries


def _check_repeated_images(entries: List[ListEntry], list_path: str) -> None:
    first_line = {}
    for path, pid, _, line_no in entries:
        if path not in first_line:
            first_line[path] = (pid, line_no)
            continue
        first_pid, first_no = first_line[path]
        if first_pid != pid:
            raise ValueError(
                f'{list_path}: {path} is listed as identity {first_pid!r} on '
                f'line {first_no} and as {pid!r} on line {line_no}; an image '
                'shows one person: correct or remove one of the lines.')
        warnings.warn(
            f'{list_path}: {path} is listed twice (lines {first_no} and '
            f'{line_no}), with the same identity; both are kept, so it '
            'counts twice: remove one line if that is not intended.')


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
