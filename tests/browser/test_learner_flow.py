"""A new learner in a real browser: sign up, confirm from the email, enrol, tick a task and see
progress rise without a reload, reload, untick."""

import re
from urllib.parse import urlsplit

from django.core import mail
from playwright.sync_api import expect

from accounts.models import Profile

SPEECH = "/pathways/deep-learning-engineer-to-speech-ai-engineer/"
FIRST_TASK = "Complete a signal processing course (e.g., Coursera's DSP specialization)"


def confirmation_path(email):
    message = next(m for m in reversed(mail.outbox) if email in m.to)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group()
    return urlsplit(link).path


def sign_up_and_confirm(page, email):
    page.goto("/")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("a-long-passphrase-9")
    page.get_by_label(re.compile("Password \\(again\\)|Confirm password|Repeat password")).fill(
        "a-long-passphrase-9"
    )
    page.get_by_role("button", name=re.compile("Sign up|Create")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")

    page.goto(confirmation_path(email))
    page.get_by_role("button", name=re.compile("Confirm")).click()
    expect(page).to_have_url(re.compile("/dashboard/$"))


def overall_progress(page):
    return page.locator("progress[id^=overall-]")


def test_sign_up_confirm_enrol_tick_reload_untick(new_page, browser_problems):
    page = new_page("learner", timezone_id="Europe/Berlin")
    sign_up_and_confirm(page, "new.learner@example.com")
    expect(page.get_by_text("You are not following a pathway yet")).to_be_visible()
    assert Profile.objects.get(user__email="new.learner@example.com").time_zone == "Europe/Berlin"

    page.goto(SPEECH)
    page.get_by_role("button", name=re.compile("Enrol")).click()
    expect(page).to_have_url(re.compile("/dashboard/#enrolment-\\d+$"))
    expect(page.get_by_role("heading", name="This week").first).to_be_visible()
    expect(page.get_by_label(FIRST_TASK)).to_be_visible()

    page.goto(SPEECH)
    expect(overall_progress(page)).to_have_attribute("value", "0")
    page.evaluate("window.notReloaded = true")
    checkbox = page.get_by_label(FIRST_TASK)
    checkbox.check()
    expect(overall_progress(page)).to_have_attribute("value", "1")
    expect(page.get_by_text("1 of 12 tasks done (8%)")).to_be_visible()
    expect(page.get_by_label(FIRST_TASK)).to_be_checked()
    assert page.evaluate("window.notReloaded") is True, "the page reloaded"
    assert page.get_by_role("button", name="Save").first.is_hidden()  # with JavaScript, no Save buttons

    page.reload()
    expect(page.get_by_label(FIRST_TASK)).to_be_checked()
    expect(overall_progress(page)).to_have_attribute("value", "1")

    page.evaluate("window.notReloaded = true")
    page.get_by_label(FIRST_TASK).uncheck()
    expect(overall_progress(page)).to_have_attribute("value", "0")
    assert page.evaluate("window.notReloaded") is True
    page.reload()
    expect(page.get_by_label(FIRST_TASK)).not_to_be_checked()
    browser_problems.assert_none()


def test_ticking_works_without_javascript(new_page, browser_problems):
    page = new_page("no-js", java_script_enabled=False)
    sign_up_and_confirm(page, "no.script@example.com")
    page.goto(SPEECH)
    page.get_by_role("button", name=re.compile("Enrol")).click()
    page.goto(SPEECH)
    row = page.locator("form.tick", has=page.get_by_label(FIRST_TASK))
    row.get_by_label(FIRST_TASK).check()
    row.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(re.escape(SPEECH)))
    expect(page.get_by_label(FIRST_TASK)).to_be_checked()
    expect(overall_progress(page)).to_have_attribute("value", "1")
    browser_problems.assert_none()


def test_dashboard_on_a_phone(new_page, browser_problems):
    from tests.browser.conftest import PHONE

    page = new_page("phone", **PHONE)
    sign_up_and_confirm(page, "phone.learner@example.com")
    page.goto(SPEECH)
    page.get_by_role("button", name=re.compile("Enrol")).click()
    expect(page.get_by_label(FIRST_TASK)).to_be_visible()
    page.get_by_label(FIRST_TASK).check()
    expect(overall_progress(page)).to_have_attribute("value", "1")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    browser_problems.assert_none()


SOFTWARE = "/pathways/software-engineer-to-deep-learning-engineer/"
ALREADY_DONE = [
    "Complete Deep Learning Specialization on Coursera",
    "Refresh linear algebra and calculus fundamentals",
]


def test_enrol_at_my_own_pace_with_tasks_already_done(new_page, browser_problems):
    page = new_page("paced")
    sign_up_and_confirm(page, "paced.learner@example.com")
    page.goto(SOFTWARE)
    form = page.locator("form.enrol-form")
    form.get_by_label("Hours a week").fill("20")
    form.get_by_text("Tasks you have already done").click()  # opens the list
    for task in ALREADY_DONE:
        form.get_by_label(task).check()
    form.get_by_role("button", name="Enrol in this pathway").click()
    expect(page).to_have_url(re.compile("/dashboard/#enrolment-\\d+$"))
    # The plan starts from what is left: the next task of the first phase.
    next_task = page.get_by_label("Build first neural networks with PyTorch from official tutorials")
    expect(next_task).to_be_visible()
    expect(page.locator("#week-summary")).to_contain_text("6 to do this week")
    next_task.check()  # in place, on the page the form led to
    expect(page.locator("#week-summary")).to_contain_text("5 to do this week")

    page.goto(SOFTWARE)
    expect(page.get_by_text("1 of 16 tasks done, 2 already done before you started (19%)")).to_be_visible()
    # 56 weeks at 20 hours a week, less the first phase's half already done.
    expect(page.get_by_text("Your plan: 48 weeks, about 11 months at 20 hours a week")).to_be_visible()
    expect(page.get_by_text("Already done before you started", exact=True)).to_have_count(2)

    # Left in place; enrolling again offers the pace they had.
    follow = page.locator("#follow")
    follow.get_by_text("Leave", exact=False).first.click()
    follow.get_by_role("button", name=re.compile("Leave pathway")).click()
    expect(follow.get_by_role("heading", name="Follow this pathway again")).to_be_visible()
    expect(follow.get_by_label("Hours a week")).to_have_value("20")
    browser_problems.assert_none()


def test_the_enrol_button_is_within_a_phones_first_screen(new_page, browser_problems):
    from tests.browser.conftest import PHONE

    page = new_page("small phone", **{**PHONE, "viewport": {"width": 375, "height": 667}})
    page.goto(SOFTWARE)
    expect(page.get_by_role("link", name=re.compile("Follow this pathway"))).to_be_in_viewport()

    sign_up_and_confirm(page, "small.phone@example.com")
    page.goto(SOFTWARE)
    to_the_form = page.get_by_role("link", name=re.compile("Enrol in this pathway"))
    expect(to_the_form).to_be_in_viewport()
    to_the_form.click()
    expect(page.get_by_role("button", name="Enrol in this pathway")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    browser_problems.assert_none()
