"""What the admin pages of event types and schedules share when they save through services."""


def adopt(obj, saved) -> None:
    """The admin goes on with the object its form built (the change log, the redirect): make it
    the row a service saved."""
    obj.pk = saved.pk
    obj.refresh_from_db()
    obj._state.adding = False


def kept_rows(formset) -> list[dict]:
    """The cleaned data of the rows of an inline formset that stay: filled in, valid, not
    deleted (an invalid row shows its own errors)."""
    return [
        form.cleaned_data
        for form in formset.forms
        if form.cleaned_data and not form.errors and not form.cleaned_data.get("DELETE")
    ]


def nothing_saved_by(formset) -> None:
    """The rows of `formset` were saved by a service: the change message lists none of them
    (construct_change_message reads what formset.save() would have set)."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
