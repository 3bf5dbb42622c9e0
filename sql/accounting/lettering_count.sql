-- The letter events the lettering file of a month shows.
SELECT count(*) FROM lettering_listed WHERE month = $month AND shown;
