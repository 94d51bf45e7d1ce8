__version__ = '0.1.0'


def parse_version_info(version_str):
    """Parse '0.1.0rc1' into (0, 1, 0, 'rc1')."""
    parts = []
    for piece in version_str.split('.'):
        if piece.isdigit():
            parts.append(int(piece))
        else:
            digits = ''.join(c for c in piece if c.isdigit())
            rest = piece[len(digits):]
            parts.extend([int(digits), rest] if digits else [rest])
    return tuple(parts)


version_info = parse_version_info(__version__)
