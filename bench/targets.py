"""How every bench script reports: a figure next to its target, and whether it is met."""


def report(what: str, value: float, target: float, unit: str = "s", note: str = "") -> bool:
    """Print 'what: value unit (target <= target unit) ok|MISSED [note]' and return whether it is met."""
    ok = value <= target
    verdict = "ok" if ok else "MISSED"
    print(f"{what}: {value:.2f} {unit} (target <= {target:g} {unit}) {verdict}" + (f"  {note}" if note else ""))
    return ok
