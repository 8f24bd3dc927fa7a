import { describe, expect, it } from 'vitest';
import { changesBetween, type CalculationLine, type TransmissionSnapshot } from './transmission-changes.ts';

const bumper: CalculationLine = { kind: 'part', description: 'Front bumper', quantity: 1, unitPriceCents: 400_00, totalCents: 400_00 };
const labour: CalculationLine = { kind: 'labour', description: 'Bumper R&R', hours: 2, hourlyRateCents: 50_00, totalCents: 100_00 };
const paint: CalculationLine = { kind: 'paint', description: 'Bumper paint', quantity: 1, unitPriceCents: 150_00, totalCents: 150_00 };
const photo = (id: string) => ({ id, sha256: id.padEnd(64, '0'), contentType: 'image/jpeg', sizeBytes: 1000, seenOnOtherMission: false });
const smart = { probableTotalLoss: false, multipleDamageZones: false, expertAdviceNeeded: false, technicalInspectionNeeded: false, onSiteExpertNeeded: false };

function snapshot(lines: CalculationLine[], photoIds: string[], smartFrame = smart): TransmissionSnapshot {
  const totalExclVatCents = lines.reduce((s, l) => s + l.totalCents, 0);
  const vatCents = Math.round(totalExclVatCents * 0.21);
  return {
    calculation: { calculationNumber: 'AX-1', vatRate: 21, lines, totalExclVatCents, vatCents, totalInclVatCents: totalExclVatCents + vatCents },
    smartFrame,
    vehicleStatus: null,
    photos: photoIds.map(photo),
  };
}

describe('changes since the previous transmission', () => {
  it('an unchanged quote shows no change, only the same totals before and after', () => {
    const quote = snapshot([bumper, labour], ['p1']);
    const changes = changesBetween(quote, quote);
    expect(changes.calculation).toMatchObject({ linesAdded: [], linesRemoved: [], linesChanged: [] });
    expect(changes.calculation.totalsBefore).toEqual(changes.calculation.totalsAfter);
    expect(changes).toMatchObject({ photosAdded: [], photosRemoved: [], smartAnswersChanged: [], vehicleStatusChanged: null });
  });

  it('names the lines added, removed and changed, and the totals before and after', () => {
    const cheaperLabour = { ...labour, hours: 1.5, totalCents: 75_00 };
    const changes = changesBetween(snapshot([bumper, labour], ['p1']), snapshot([cheaperLabour, paint], ['p1']));
    expect(changes.calculation.linesAdded).toEqual([paint]);
    expect(changes.calculation.linesRemoved).toEqual([bumper]);
    expect(changes.calculation.linesChanged).toEqual([{ before: labour, after: cheaperLabour }]);
    expect(changes.calculation.totalsBefore).toEqual({ totalExclVatCents: 500_00, vatCents: 105_00, totalInclVatCents: 605_00 });
    expect(changes.calculation.totalsAfter).toEqual({ totalExclVatCents: 225_00, vatCents: 47_25, totalInclVatCents: 272_25 });
  });

  it('counts a line that appears twice once per copy', () => {
    const changes = changesBetween(snapshot([bumper], []), snapshot([bumper, bumper], []));
    expect(changes.calculation.linesAdded).toEqual([bumper]);
    expect(changes.calculation.linesRemoved).toEqual([]);
  });

  it('names the photos added and removed, and the Smart answers that changed', () => {
    const changes = changesBetween(snapshot([bumper], ['p1', 'p2']), snapshot([bumper], ['p2', 'p3'], { ...smart, multipleDamageZones: true }));
    expect(changes.photosAdded.map((p) => p.id)).toEqual(['p3']);
    expect(changes.photosRemoved).toEqual(['p1']);
    expect(changes.smartAnswersChanged).toEqual([{ question: 'multipleDamageZones', before: false, after: true }]);
  });

  it('a total-loss file shows its vehicle status change and no totals', () => {
    const before: TransmissionSnapshot = { calculation: null, smartFrame: null, vehicleStatus: 'drivable', photos: [] };
    const changes = changesBetween(before, { ...before, vehicleStatus: 'wreck' });
    expect(changes.vehicleStatusChanged).toEqual({ before: 'drivable', after: 'wreck' });
    expect(changes.calculation).toEqual({ linesAdded: [], linesRemoved: [], linesChanged: [], totalsBefore: null, totalsAfter: null });
  });
});
