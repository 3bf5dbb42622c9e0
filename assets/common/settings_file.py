"""Reading the settings file `parametrage.yaml` into the models of settings.py.

A missing, unknown or mistyped key gives a `SettingsError` naming the key and the problem, in the operator's
language.

The YAML is read by a safe loader that also refuses, with the line and column: a key written twice in one
mapping, nesting deeper than `MAX_DEPTH`, anchors and aliases that would expand to more than `MAX_NODES`
values (or into themselves), control characters and lone surrogates in a value, and a value its tag cannot
make (`2026-13-45`, `!!int abc`). A file over `MAX_BYTES` is refused before it is read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

from assets.common.csvfile import printable
from assets.common.inputs import read_inside
from assets.common.settings import Settings

MAX_BYTES = 1024 * 1024  # a settings file is a few KB
MAX_DEPTH = 32  # the settings nest five levels deep
MAX_NODES = 100_000  # values once anchors and aliases are expanded; a settings file has a few hundred
MAX_ERRORS = 20  # wrong keys listed in one message


class SettingsError(ValueError):
    """The settings file is unreadable or one of its keys is wrong."""


_FRENCH = {
    "missing": "clé obligatoire absente",
    "extra_forbidden": "clé inconnue (faute de frappe ?)",
    "date_from_datetime_parsing": "date attendue au format AAAA-MM-JJ",
    "date_parsing": "date attendue au format AAAA-MM-JJ",
    "date_type": "date attendue au format AAAA-MM-JJ",
    "decimal_parsing": 'montant attendu (par exemple "20.00")',
    "decimal_max_places": "deux décimales au plus",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "literal_error": "valeur non prévue",
    "string_type": "texte attendu",
    "list_type": "liste attendue",
    "dict_type": "dictionnaire attendu",
    "model_type": "dictionnaire attendu",
    "bool_parsing": "oui/non (true/false) attendu",
    "finite_number": "nombre fini attendu",
}


def _describe(error: ErrorDetails) -> str:
    loc = printable(".".join(str(p) for p in error["loc"]), 120) or "(racine)"
    message = _FRENCH.get(error["type"])
    if error["type"] == "literal_error":
        message = f"valeur non prévue, attendu : {error['ctx']['expected']}"
    elif error["type"] == "value_error":
        message = printable(str(error["ctx"]["error"]), 300)
    elif message is None:
        message = error["msg"]
    received = error.get("input")
    shown = repr(received)
    shown = shown if len(shown) <= 80 else shown[:79] + "…"
    shown = "" if error["type"] in ("missing",) or isinstance(received, dict | list) else f" (lu : {shown})"
    return f"clé « {loc} » : {message}{shown}"


_TAGS = {"timestamp": "date", "int": "nombre entier", "float": "nombre", "bool": "booléen", "binary": "base64"}
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")  # controls, lone surrogates


class _Loader(yaml.SafeLoader):
    """yaml.SafeLoader, with the refusals listed in the module's docstring."""

    def __init__(self, stream: str | bytes) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(
                    None, None, f"plus de {MAX_DEPTH} niveaux d'imbrication", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_document(self, node: yaml.Node) -> Any:
        _check_expansion(node)
        return super().construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: dict[tuple[str, str], yaml.Node] = {}
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    first = seen.setdefault((key.tag, key.value), key)
                    if first is not key:
                        raise ConstructorError(
                            None,
                            None,
                            f"clé « {key.value[:40]} » en double (déjà ligne {first.start_mark.line + 1})",
                            key.start_mark,
                        )
        return super().construct_mapping(node, deep=deep)

    def construct_scalar(self, node: yaml.ScalarNode) -> Any:
        value = super().construct_scalar(node)
        bad = _FORBIDDEN.search(value) if isinstance(value, str) else None
        if bad:
            raise ConstructorError(None, None, f"caractère interdit U+{ord(bad.group()):04X}", node.start_mark)
        return value

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            # SafeConstructor lets these through for a value its tag cannot make ("2026-13-45", "!!int abc")
            what = node.tag.rsplit(":", 1)[-1]
            value = str(node.value)[:40] if isinstance(node, yaml.ScalarNode) else ""
            raise ConstructorError(
                None, None, f"valeur « {value} » illisible comme {_TAGS.get(what, what)}", node.start_mark
            ) from None


def _check_expansion(root: yaml.Node) -> None:
    """Refuse aliases that expand into themselves or to more than MAX_NODES values (the "billion laughs")."""
    size: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in size:
            continue
        children = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [item for pair in node.value for item in pair]
        if children_done:
            active.discard(id(node))
            size[id(node)] = 1 + sum(size[id(child)] for child in children)
            if size[id(node)] > MAX_NODES:
                raise ComposerError(None, None, f"alias développés en plus de {MAX_NODES} valeurs", node.start_mark)
            continue
        if id(node) in active:
            raise ComposerError(None, None, "alias qui se contient lui-même", node.start_mark)
        active.add(id(node))
        stack.append((node, True))
        for child in children:
            if id(child) in active:
                raise ComposerError(None, None, "alias qui se contient lui-même", child.start_mark)
            if id(child) not in size:
                stack.append((child, False))


def parse_settings(text: str, source: str = "parametrage.yaml") -> Settings:
    """Parse the YAML text of a settings file; raises SettingsError naming each wrong key."""
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader with more refusals
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        position = getattr(exc, "position", None)  # a ReaderError (a character YAML does not allow)
        if mark is None and isinstance(position, int):
            line = text.count("\n", 0, position) + 1
            where = f", ligne {line}, colonne {position - (text.rfind(chr(10), 0, position) + 1) + 1}"
        else:
            where = f", ligne {mark.line + 1}, colonne {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
        raise SettingsError(f"{source}{where} : YAML illisible ({problem})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError(f"{source} : un dictionnaire de clés est attendu à la racine")
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        lines = [f"{source} : {_describe(e)}" for e in errors[:MAX_ERRORS]]
        if len(errors) > MAX_ERRORS:
            lines.append(f"{source} : … et {len(errors) - MAX_ERRORS} autre(s) erreur(s)")
        raise SettingsError("\n".join(lines)) from None


def load_settings(path: Path) -> Settings:
    """Load `parametrage.yaml`; a missing, unreadable or oversized file is an error naming the path, and so
    is a link or a special file in its place (refused unopened: nothing outside the data folder is read)."""
    try:
        data = read_inside(path.parent, path.name, str(path), MAX_BYTES, SettingsError)
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise SettingsError(f"{path} : fichier de paramétrage introuvable") from None
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path} : le fichier doit être en UTF-8 (octet {exc.start})") from None
    except OSError as exc:
        raise SettingsError(f"{path} : illisible ({exc.strerror or exc})") from None
    return parse_settings(text, source=str(path))
