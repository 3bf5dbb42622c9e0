"""The establishments' activity: a code per resident and day (present, hospital, holidays, closed), the
monthly extracts as each establishment sends them (long form, monthly grid, Excel in Windows-1252), the
mistakes real extracts carry and the one corrected extract of the demo. A part of the demo's builder
(generator._Builder): `self.rng`, `self.scale`, `self.stays`, `self.months`, `self.start`, `self.end`,
`self.resident_names` and `self.story` are set there."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from assets.common.months import days_in, month_key
from demo.people import _Stay
from demo.records import Dated


class Activity:
    """The days of presence and absence, the extracts, their mistakes."""

    def stay_codes(self, stay: _Stay) -> dict[dt.date, str]:
        """A code per day of the stay within the period (and sometimes the exit day, wrongly)."""
        rng = self.rng
        first = max(stay.entry, self.start)
        last = (stay.exit - dt.timedelta(days=1)) if stay.exit else self.end - dt.timedelta(days=1)
        codes: dict[dt.date, str] = {}
        day = first
        hospital_left = 0
        holiday_start = {y: dt.date(y, 7, rng.randint(1, 25)) for y in (2025, 2026)}
        day_service = stay.mode in ("semi_internat", "accueil_jour")
        weekly = stay.mode == "internat_semaine"
        while day <= last:
            weekend = day.weekday() >= 5
            august_closure = (day_service or weekly) and day.month == 8 and 4 <= day.day <= 22
            if hospital_left > 0:
                code = "H" if not (weekend and (day_service or weekly)) else "F"
                hospital_left -= 1
            elif (day_service or weekly) and (weekend or august_closure):
                code = "F"
            elif rng.random() < (0.004 if not day_service else 0.002):
                hospital_left = rng.choice([1, 2, 3, 4, 6, 9, 15, 24]) - 1
                code = "H"
            elif (
                stay.holidays
                and day.year in holiday_start
                and (0 <= (day - holiday_start[day.year]).days < stay.holidays)
            ):
                code = "C"
            elif weekend and stay.weekend_home and rng.random() < stay.weekend_home:
                code = "C"
            elif not weekend and rng.random() < (0.01 if day_service else 0.004):
                code = "C"
            else:
                code = "P"
            codes[day] = code
            day += dt.timedelta(days=1)
        if stay.exit and self.start <= stay.exit < self.end and rng.random() < 0.5:
            codes[stay.exit] = "P"  # the departure day marked present: outside the stay (B2)
        return codes

    def build_activity(self) -> dict[str, dict[str, bytes]]:
        per_month: dict[str, dict[str, list[tuple[str, dt.date, str]]]] = {m: {} for m in self.months}
        for stay in self.stays:
            for day, code in self.stay_codes(stay).items():
                m = month_key(day.replace(day=1))
                per_month[m].setdefault(stay.establishment, []).append((stay.resident, day, code))
        self.build_forecasts(per_month)
        files: dict[str, dict[str, bytes]] = {}
        for m, by_etab in per_month.items():
            files[m] = {}
            for etab in sorted(by_etab):
                rows = sorted(by_etab[etab])
                files[m][f"activite_{etab}_{m}.csv"] = self.extract(etab, m, rows)
        return files

    def build_forecasts(self, per_month: dict[str, dict[str, list[tuple[str, dt.date, str]]]]) -> None:
        """referentiel/previsions.csv: each establishment's « journées prévisionnelles » of each year, as its
        budget would have put them: the days it realises over the year (present, hospitalised or away for one
        billed per day; present for an ESAT), known from mid-December before. FV01 (and one establishment in
        seven of the large plan) was financed on 8 % more days than it realises: under-activity in the report;
        the others on 1 % more. The homes have a target occupancy of 95 %."""
        kinds = {code: kind for code, kind, _, _ in self.establishments}
        realised: dict[tuple[str, int], int] = {}
        covered: dict[int, int] = {}
        for m, by_etab in per_month.items():
            year = int(m[:4])
            covered[year] = covered.get(year, 0) + days_in(m)
            for etab, rows in by_etab.items():
                counted = ("P",) if kinds[etab] == "ESAT" else ("P", "H", "C")
                realised[(etab, year)] = realised.get((etab, year), 0) + sum(1 for *_, c in rows if c in counted)
        under = 0
        for i, (etab, _, _, _) in enumerate(self.establishments):
            factor = Decimal("1.08") if etab == "FV01" or (self.scale != "demo" and i % 7 == 3) else Decimal("1.01")
            under += factor > Decimal("1.01")
            target = Decimal("95") if kinds[etab] in ("FH", "FV", "FAM", "MAS") else None
            for year in sorted(covered):
                in_year = (dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1
                days = Decimal(realised.get((etab, year), 0) * in_year) / covered[year] * factor
                row = (etab, year, int(days.to_integral_value(ROUND_HALF_UP)), target)
                self.ref["previsions.csv"].append(Dated(row, known_from=dt.date(year - 1, 12, 15)))
        self.story.append(f"{under} établissement(s) en sous-activité face à leurs journées prévisionnelles "
                          "(previsions.csv).")  # fmt: skip

    def extract(self, etab: str, month: str, rows: list[tuple[str, dt.date, str]]) -> bytes:
        """An establishment's extract as it would send it: IME01 fills the monthly grid, FV01's Excel
        saves Windows-1252 with a name column; the others send the long form."""
        if etab.startswith("IME") and (self.scale == "demo" or int(etab[3:]) % 2 == 0):
            grid: dict[str, dict[int, str]] = {}
            for rid, day, code in rows:
                grid.setdefault(rid, {})[day.day] = code
            header = ["code_etablissement", "id_usager", "nom"] + [f"J{d:02d}" for d in range(1, 32)]
            lines = [";".join(header)]
            for rid in sorted(grid):
                cells = [grid[rid].get(d, "") for d in range(1, 32)]
                lines.append(";".join([etab, rid, self.resident_names[rid]] + cells))
            return ("\n".join(lines) + "\n").encode("utf-8")
        if etab == "FV01":
            lines = ["code_etablissement;id_usager;nom;date;code"]
            lines += [f"{etab};{rid};{self.resident_names[rid]};{day:%d/%m/%Y};{code}" for rid, day, code in rows]
            return ("\r\n".join(lines) + "\r\n").encode("windows-1252", errors="replace")
        lines = ["code_etablissement;id_usager;date;code"]
        lines += [f"{etab};{rid};{day.isoformat()};{code}" for rid, day, code in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")

    def add_dirty_rows(self, activity: dict[str, dict[str, bytes]]) -> dict[str, dict[str, bytes]]:
        """The mistakes real extracts carry, each caught by a control; and one corrected extract."""
        corrections: dict[str, dict[str, bytes]] = {}

        def append(month: str, etab: str, line: str) -> None:
            name = f"activite_{etab}_{month}.csv"
            if name in activity.get(month, {}):
                activity[month][name] += (line + "\n").encode("utf-8")

        append("2025-02", "FH01", "FH01;009999;2025-02-14;P")  # a resident nobody knows
        append("2025-05", "MAS01", "MAS01;" + self.first_resident("MAS01") + ";2025-05-12;A")  # a bad code
        append("2026-01", "FH01", "FH01;" + self.first_resident("FH01") + ";2025-12-31;P")  # previous month
        name = "activite_FAM01_2025-09.csv"
        if name in activity.get("2025-09", {}):
            good = activity["2025-09"][name]
            last_line = good.decode("utf-8").rstrip("\n").rsplit("\n", 1)[1]
            etab, rid, day, code = last_line.split(";")
            doubled = good + f"{etab};{rid};{day};{'H' if code != 'H' else 'P'}\n".encode()
            activity["2025-09"][name] = doubled  # the same resident and day twice: the FAM01 is held
            corrections["2025-09"] = {name: good}
            self.story.append(
                "2025-09 : l'extrait du FAM01 porte deux fois le même usager le même jour ; "
                "le FAM01 est retenu jusqu'à l'extrait corrigé, les autres établissements sont émis."
            )
        self.story.append(
            "Lignes écartées : un usager inconnu (FH01, 2025-02), un code « A » (MAS01, "
            "2025-05), une date du mois précédent (FH01, 2026-01)."
        )
        return corrections

    def first_resident(self, etab: str) -> str:
        return sorted(s.resident for s in self.stays if s.establishment == etab and s.exit is None)[0]
