SELECT number, level, day FROM reminders ORDER BY seq;
