from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from cunjing.accounts import two_factor
from cunjing.accounts.selectors import AccountState
from cunjing.core.forms import NameChoiceField, TablerForm
from cunjing.core.roles import Role
from cunjing.org.models import Aide, Officer, Unit


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp_token = forms.CharField(
        label=_("Verification code"),
        required=False,
        max_length=20,
        help_text=_("With two-factor sign-in: the 6-digit code of your app, or a recovery code."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    otp_device = None

    def clean(self):
        data = super().clean()
        user = self.get_user()
        if user is not None and two_factor.enrolled(user):
            device = two_factor.verify(user, self.cleaned_data.get("otp_token", ""))
            if device is None:
                self.user_cache = None  # not signed in without the second factor
                self.add_error("otp_token", two_factor.required_message())
            self.otp_device = device
        return data


class PasswordChangeForm(TablerForm):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "At least 8 characters mixing 3 of: lower-case letters, upper-case letters, digits "
            "and symbols; not the username."
        ),
    )
    new_password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data


# --- The security admin's pages ------------------------------------------------------------------

STATE_CHOICES = [("", _("All")), *AccountState.choices]


class AccountSearchForm(TablerForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        help_text=_("Username, name, pinyin or initials."),
    )
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All"))])
    unit = NameChoiceField(label=_("Unit"), required=False, queryset=Unit.objects.none())
    state = forms.ChoiceField(label=_("State"), required=False, choices=STATE_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("All")), *Role.choices]
        self.fields["unit"].queryset = Unit.objects.filter(bureau_id=user.bureau_id).order_by(
            "path"
        )


class AccountForm(TablerForm):
    """A new account: who (an officer, an aide, or neither for leaders without an officer
    record and the admin roles), in which role, over which unit."""

    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    role = forms.ChoiceField(label=_("Role"))
    unit = NameChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        help_text=_("The unit decides the jurisdiction."),
    )
    officer = forms.ModelChoiceField(
        label=_("Officer"), required=False, queryset=Officer.objects.none()
    )
    aide = forms.ModelChoiceField(label=_("Aide"), required=False, queryset=Aide.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        bureau = user.bureau_id
        self.fields["role"].choices = Role.choices
        self.fields["unit"].queryset = Unit.objects.filter(bureau_id=bureau).order_by("path")
        officers = Officer.objects.filter(bureau_id=bureau, user__isnull=True, is_active=True)
        self.fields["officer"].queryset = officers.order_by("name", "badge_number")
        self.fields["officer"].label_from_instance = lambda o: f"{o.name}（{o.badge_number}）"
        aides = Aide.objects.filter(
            bureau_id=bureau, user__isnull=True, is_active=True
        ).select_related("area")
        self.fields["aide"].queryset = aides.order_by("name", "id")
        self.fields["aide"].label_from_instance = lambda a: f"{a.name}（{a.area.name}）"


class AccountUpdateForm(TablerForm):
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    role = forms.ChoiceField(label=_("Role"))
    unit = NameChoiceField(label=_("Unit"), queryset=Unit.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = Role.choices
        self.fields["unit"].queryset = Unit.objects.filter(bureau_id=user.bureau_id).order_by(
            "path"
        )


class DisableForm(TablerForm):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class TwoFactorForm(TablerForm):
    token = forms.CharField(
        label=_("Code shown by the app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
