from __future__ import annotations

from django.contrib import admin

from finclear.organizations.models import Department, Facility, Organization, Provider

TIMESTAMPS = ("created_at", "updated_at")


class DepartmentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Department
    extra = 0
    fields = ("code", "name")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "npi", "tin", "city", "state")
    search_fields = ("name", "npi", "tin")
    readonly_fields = TIMESTAMPS


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "organization", "npi", "city", "state", "time_zone")
    list_filter = ("organization", "state")
    list_select_related = ("organization",)
    search_fields = ("code", "name", "npi")
    autocomplete_fields = ("organization",)
    readonly_fields = TIMESTAMPS
    inlines = (DepartmentInline,)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "facility")
    list_filter = ("facility",)
    list_select_related = ("facility",)
    search_fields = ("code", "name", "facility__code")
    autocomplete_fields = ("facility",)
    readonly_fields = TIMESTAMPS


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("npi", "last_name", "first_name", "credential", "taxonomy", "is_active")
    list_filter = ("is_active", "credential", "facilities")
    search_fields = ("npi", "last_name", "first_name")
    filter_horizontal = ("facilities",)
    readonly_fields = TIMESTAMPS
