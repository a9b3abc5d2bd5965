"""How every benchmark prints its figures: a heading, then one aligned line per figure."""


def print_figures(heading: str, figures: list[tuple[str, str]]) -> None:
    names = max(len(name) for name, _ in figures)
    values = max(len(value) for _, value in figures)
    print(heading)
    for name, value in figures:
        print(f"{name:<{names}}  {value:>{values}}")
