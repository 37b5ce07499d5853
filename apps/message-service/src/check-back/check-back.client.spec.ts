import { checkBackUrl, classifyAnswer } from './check-back.client';

describe(classifyAnswer.name, () => {
  it.each([
    [200, '{"status":"COMMITTED"}', 'COMMITTED'],
    [200, '{"status":"ROLLED_BACK"}', 'ROLLED_BACK'],
    [200, '{"status":"UNKNOWN"}', 'UNKNOWN'],
    [409, '', 'ROLLED_BACK'],
    [404, 'not found', 'UNKNOWN'],
    [425, '', 'UNKNOWN'],
  ])('should map %i %s to %s', (status, body, answer) => {
    expect(classifyAnswer(status, body)).toBe(answer);
  });

  it.each([
    [200, 'ok'],
    [200, '{"status":"committed"}'],
    [200, '{"ok":true}'],
    [200, 'null'],
    [201, '{"status":"COMMITTED"}'],
    [500, '{"status":"COMMITTED"}'],
    [302, ''],
  ])('should never read %i %s as a decision', (status, body) => {
    expect(classifyAnswer(status, body)).toEqual({ error: expect.any(String) });
  });
});

describe(checkBackUrl.name, () => {
  it('should append the check-back parameters to an existing query', () => {
    const url = checkBackUrl('http://biz.local:8080/log?tenant=a', {
      msgLogId: 'a b&c',
      messageId: 'M',
      topic: 't',
    });
    expect(`${url.pathname}${url.search}`).toBe(
      '/log?tenant=a&msgLogId=a+b%26c&messageId=M&topic=t',
    );
  });
});
