"""Code for the golden-file stacks: templates never embed code, only its bucket and key parameters."""


def handler(event: object, context: object) -> object:
    return event
