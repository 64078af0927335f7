"""The business calendar: working days, statutory holidays and 调休, deadlines in local time.

Pure domain code. Holiday schedules are YAML data, one file per region and year
(see README.md beside this file); ``load_calendar()`` reads the shipped ones.
"""

from tousu_shared.calendar.business import DEFAULT_TZ, BusinessCalendar
from tousu_shared.calendar.errors import CalendarFileError
from tousu_shared.calendar.holiday_file import CalendarDay, HolidayFile, read_holiday_file
from tousu_shared.calendar.loader import CALENDAR_DIR_ENV, load_calendar, shipped_calendar_dir

__all__ = [
    "CALENDAR_DIR_ENV",
    "DEFAULT_TZ",
    "BusinessCalendar",
    "CalendarDay",
    "CalendarFileError",
    "HolidayFile",
    "load_calendar",
    "read_holiday_file",
    "shipped_calendar_dir",
]
