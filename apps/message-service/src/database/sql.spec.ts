import { idsWith, placeholders } from './sql';

describe('idsWith', () => {
  it('should name the value once when every id has the same one', () => {
    expect(
      idsWith('claim_token', [
        { id: 'a', value: 't1' },
        { id: 'b', value: 't1' },
      ]),
    ).toEqual({ sql: 'claim_token = ?', params: ['t1'] });
  });

  it('should pair each value with its own ids when they differ', () => {
    expect(
      idsWith('producer_id', [
        { id: 'a', value: 'p1' },
        { id: 'b', value: 'p2' },
        { id: 'c', value: 'p1' },
      ]),
    ).toEqual({
      sql: '(producer_id = ? AND id IN (?, ?) OR producer_id = ? AND id IN (?))',
      params: ['p1', 'a', 'c', 'p2', 'b'],
    });
  });

  it('should match nothing for no ids', () => {
    expect(idsWith('producer_id', [])).toEqual({ sql: 'FALSE', params: [] });
  });
});

describe('placeholders', () => {
  it('should list one placeholder per value, for short and long lists alike', () => {
    expect(placeholders(3)).toBe('?, ?, ?');
    expect(placeholders(3)).toBe('?, ?, ?');
    expect(placeholders(1)).toBe('?');
    expect(placeholders(0)).toBe('');
    expect(placeholders(1024).split(', ')).toHaveLength(1024);
    expect(placeholders(1025).split(', ')).toHaveLength(1025);
    expect(placeholders(2000).split(', ')).toHaveLength(2000);
  });
});
