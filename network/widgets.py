"""Form fields the pages need beyond WTForms' own."""

from __future__ import annotations

from wtforms import SelectMultipleField, widgets


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes in a fieldset, one per choice."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
