"""The discussion of a record: a fragment the record page shows and htmx reloads, and the forms that
write in it. Members reach it from the record page; share-link holders from their link's pages, whose
views are sharing's (sharing/public_views.py: the link's session is sharing's to read), and post through
`comment_post` below."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.policy import Action
from comments import selectors, services
from comments.discussion import discussion_context, new_form, page_url
from comments.forms import CommentEditForm
from comments.models import Visibility
from relyfe.web import is_htmx


def comment_post(request, viewer, record_id, *, link_holder: bool):
    """A comment sent from a record's discussion by `viewer` (a member, or a share link's holder)."""
    record, access = selectors.record_for_comments(user=viewer, public_id=record_id, action=Action.COMMENT)
    form = new_form(viewer, record, access, request.POST)
    if form.is_valid():
        try:
            services.comment_create(
                actor=viewer,
                record=record,
                text=form.cleaned_data["text"],
                visibility=form.cleaned_data.get("visibility") or Visibility.EVERYONE,
                record_file=record.files.filter(public_id=form.cleaned_data["record_file"] or None).first(),
                parent=_parent(viewer, form.cleaned_data["parent"]),
                request=request,
            )
            form = None
        except ValidationError as error:
            form.add_error(None, error)
    if is_htmx(request):
        context = discussion_context(viewer=viewer, record=record, access=access, form=form, link_holder=link_holder)
        return render(request, "comments/_discussion.html", context)
    if form is not None:
        for error in form.errors.values():
            messages.error(request, " ".join(error))
    return redirect(page_url(record, link_holder=link_holder) + "#comments")


def _parent(viewer, public_id):
    """The comment answered; 404 when it does not exist for this viewer."""
    if public_id is None:
        return None
    return selectors.comment_get_for_user(user=viewer, public_id=public_id, action=Action.COMMENT)[0]


# --- Members --------------------------------------------------------------------------------------


@login_required
@require_GET
@never_cache
def thread(request, record_id):
    """The comments, reloaded by the record page every 20 seconds. Being shown them is reading them."""
    record, access = selectors.record_for_comments(user=request.user, public_id=record_id)
    services.comments_mark_read(user=request.user, record=record)
    context = discussion_context(viewer=request.user, record=record, access=access)
    return render(request, "comments/_thread.html", context)


@login_required
@require_POST
def create(request, record_id):
    return comment_post(request, request.user, record_id, link_holder=False)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def edit(request, comment_id):
    comment, _access = selectors.comment_get_for_user(user=request.user, public_id=comment_id, action=Action.COMMENT)
    if comment.author_id != request.user.pk or comment.is_deleted or comment.is_hidden:
        raise Http404
    form = CommentEditForm(request.POST or None, initial={"text": comment.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_update(
                actor=request.user, comment=comment, text=form.cleaned_data["text"], request=request
            )
        except ValidationError as error:
            form.add_error("text", error)
        else:
            return redirect(reverse("health_records:detail", args=[comment.record.public_id]) + "#comments")
    return render(request, "comments/edit.html", {"form": form, "comment": comment})


@login_required
@require_POST
def delete(request, comment_id):
    comment, _access = selectors.comment_get_for_user(user=request.user, public_id=comment_id)
    if comment.author_id != request.user.pk:
        raise Http404
    services.comment_delete(actor=request.user, comment=comment, request=request)
    return redirect(reverse("health_records:detail", args=[comment.record.public_id]) + "#comments")


@login_required
@require_GET
def mention_suggestions(request, record_id):
    """The professionals with access to the record whose name matches, for an @mention."""
    record, _access = selectors.record_for_comments(user=request.user, public_id=record_id, action=Action.COMMENT)
    suggestions = selectors.mention_suggestions(record=record, query=request.GET.get("q", ""))
    return render(request, "comments/_mention_suggestions.html", {"suggestions": suggestions})
