"""The package's three layers import only downwards: the simulation (``model/*.py`` and
``model/processes/``) knows nothing of the appraisal or the experiments, and the appraisal
(``model/appraisal/``) nothing of the experiments (``model/experiments/``)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "model"
LAYERS = {"simulation": 0, "appraisal": 1, "experiments": 2}


def _layer(module: str) -> int:
    """The layer of a dotted module name inside the package ('model.processes.treatment')."""
    parts = module.split(".")
    return LAYERS.get(parts[1], 0) if len(parts) > 1 else 0


def _module_of(path: Path) -> str:
    return ".".join(("model", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")


def _imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """Modules of the package that ``source`` (the text of ``module``) imports, as absolute
    dotted names."""
    package = module if is_package else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.append(".".join([*base, *([node.module] if node.module else [])]))
            elif node.module and node.module.startswith("model"):
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith("model")]
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts and p != PACKAGE / "__init__.py")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_module_imports_only_its_own_layer_and_those_below(path):
    own = _layer(_module_of(path))
    imported = _imports(path.read_text(), _module_of(path), path.name == "__init__.py")
    upward = [name for name in imported if _layer(name) > own]
    assert not upward, f"{path.relative_to(PACKAGE)} ({own}) imports a higher layer: {upward}"


def test_the_weekly_processes_live_in_their_own_folder():
    processes = {p.stem for p in (PACKAGE / "processes").glob("*.py")} - {"__init__"}
    assert {"intake", "allocation", "supervision", "treatment", "testing", "drug_use", "offending", "deaths", "exits"} <= processes
    assert not any((PACKAGE / f"{name}.py").exists() for name in processes)


def test_relative_and_absolute_imports_are_resolved_to_their_layer():
    source = "from ..appraisal.costs import priced\nfrom .offending import offend\nimport model.experiments.levers\n"
    imported = _imports(source, "model.processes.treatment")
    assert imported == ["model.appraisal.costs", "model.processes.offending", "model.experiments.levers"]
    assert [_layer(name) for name in imported] == [1, 0, 2]
