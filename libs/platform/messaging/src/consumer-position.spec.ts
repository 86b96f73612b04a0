import { groupPositions } from './consumer-position';

describe('groupPositions', () => {
  it('takes the committed offset, and the low watermark where the group never committed or retention passed it', () => {
    const positions = groupPositions(
      [
        { partition: 0, offset: '42' },
        { partition: 1, offset: '-1' },
        { partition: 2, offset: '3' },
      ],
      [
        { partition: 0, low: '0' },
        { partition: 1, low: '7' },
        { partition: 2, low: '10' },
        { partition: 3, low: '0' },
      ],
    );
    expect(positions).toEqual(
      new Map([
        [0, 42],
        [1, 7],
        [2, 10],
        [3, 0],
      ]),
    );
  });
});
