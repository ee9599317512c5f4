from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render


@login_required
def home(request):
    return render(request, "dashboard/home.html", {})


def audit(request):
    raise Http404
