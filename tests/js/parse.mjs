// Reads an iCalendar feed on standard input with ical.js (the parser behind Thunderbird) and
// prints its events as JSON: every instant as UTC seconds, so the tests compare instants, not text.
import ICAL from "ical.js";

let text = "";
for await (const chunk of process.stdin) text += chunk;

const calendar = new ICAL.Component(ICAL.parse(text));
// Thunderbird resolves TZIDs through the calendar's own VTIMEZONEs: register them first.
for (const component of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(component));
}
const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    status: component.getFirstPropertyValue("status"),
    transp: component.getFirstPropertyValue("transp"),
    sequence: event.sequence,
    start: event.startDate.toUnixTime(),
    end: event.endDate.toUnixTime(),
    start_zone: event.startDate.zone ? event.startDate.zone.tzid : null,
  };
});
const header = {
  refresh: String(calendar.getFirstPropertyValue("refresh-interval")),
  ttl: String(calendar.getFirstPropertyValue("x-published-ttl")),
};
process.stdout.write(JSON.stringify({ header, events }));
