"""The lock in requirements/ agrees with pyproject.toml, so `make install` gets what it asks for.

Every dependency pyproject.toml names (and each extra's own dependencies, e.g. psycopg[binary]'s
psycopg-binary) is pinned in the lock at a version that pyproject.toml allows, with hashes.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FIX = "run `make lock` and commit requirements/ with pyproject.toml (README, 'The two commands')"

# What each lock file must satisfy: prod.txt runs Homeward; dev.txt is what `make install`
# installs, so it also holds the dev extras and the build backend (`--no-build-isolation`).
RUNTIME: list[str] = PYPROJECT["project"]["dependencies"]
DEV: list[str] = PYPROJECT["project"]["optional-dependencies"]["dev"]
BUILD: list[str] = PYPROJECT["build-system"]["requires"]
WANTED = {"prod.txt": RUNTIME, "dev.txt": RUNTIME + DEV + BUILD}


def pins(name: str) -> dict[NormalizedName, Version]:
    """The versions pinned in the lock file `name`, by normalized package name."""
    text = (LOCK / name).read_text(encoding="utf-8").replace("\\\n", " ")
    found: dict[NormalizedName, Version] = {}
    for line in text.splitlines():
        line = line.partition("#")[0].strip()
        if not line or line.startswith("-"):  # comments, and options such as -c
            continue
        requirement_text, *hashes = line.split("--hash=")
        requirement = Requirement(requirement_text)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{name}: {line} is not an exact pin"
        assert hashes, f"{name}: {requirement_text.strip()} has no hash"
        found[canonicalize_name(requirement.name)] = Version(specifier.version)
    return found


def applies(requirement: Requirement, extra: str = "") -> bool:
    """Whether `requirement` is wanted on this Python, with `extra` asked for."""
    if requirement.marker is None:
        return True
    environment: dict[str, str] = {**default_environment(), "extra": extra}
    return requirement.marker.evaluate(environment)


def brought_by_extras(requirement: Requirement) -> list[Requirement]:
    """What `requirement`'s extras add, read from the installed package's metadata."""
    added = []
    for extra in sorted(requirement.extras):
        for text in metadata.requires(requirement.name) or []:
            candidate = Requirement(text)
            if applies(candidate, extra) and not applies(candidate):
                added.append(candidate)
    return added


CASES = [(lock, text) for lock, texts in WANTED.items() for text in texts]


@pytest.mark.parametrize(("lock", "text"), CASES, ids=[f"{lock}:{text}" for lock, text in CASES])
def test_the_lock_pins_each_dependency_at_a_version_pyproject_allows(lock: str, text: str) -> None:
    requirement = Requirement(text)
    if not applies(requirement):
        pytest.skip(f"{text} is not for this Python")
    pinned = pins(lock)
    for wanted in [requirement, *brought_by_extras(requirement)]:
        name = canonicalize_name(wanted.name)
        assert name in pinned, f"{wanted.name} is not in requirements/{lock}: {FIX}"
        version = pinned[name]
        assert wanted.specifier.contains(version, prereleases=True), (
            f"requirements/{lock} pins {name}=={version}, outside {wanted}: {FIX}"
        )


@pytest.mark.parametrize(("base", "lock"), [("prod.txt", "dev.txt"), ("dev.txt", "tools.txt")])
def test_a_package_in_two_lock_files_has_the_same_version_in_both(base: str, lock: str) -> None:
    first, second = pins(base), pins(lock)
    differ = {
        name: f"{first[name]} in {base}, {second[name]} in {lock}"
        for name in first.keys() & second.keys()
        if first[name] != second[name]
    }
    assert differ == {}, "run `make lock` (it compiles each file against the one before)"
