"""The people of the corpus at query time (temporary: split out of people.build)."""

from idmqa.people.build import AgendaAppearance, People, Person, asks_for_person

__all__ = ["AgendaAppearance", "People", "Person", "asks_for_person"]
