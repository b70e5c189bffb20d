// The auth mode an online endpoint reports: the spec's three, in any casing; any other fails in one line.
import { describe, expect, it } from 'vitest';
import { authModeOf, onlineAuthMode } from '../../../src/azure/endpoints.js';

describe('onlineAuthMode', () => {
  it.each([
    ['Key', 'key'],
    ['AMLToken', 'aml_token'],
    ['AADToken', 'aad_token'],
    ['aadtoken', 'aad_token'],
  ])('%s is %s', (raw, mode) => expect(onlineAuthMode('e', raw)).toBe(mode));

  it('a mode it does not know fails in one line naming it and the modes it supports', () => {
    expect(() => onlineAuthMode('score', 'CertificateToken')).toThrow(
      "Online endpoint 'score' reports auth mode 'CertificateToken', which this action does not support: it supports Key, AMLToken and AADToken.",
    );
  });

  it.each(['constructor', 'toString', '__proto__'])('%s, a name every object has, is not a mode', (raw) => {
    expect(() => onlineAuthMode('score', raw)).toThrow(`reports auth mode '${raw}'`);
  });

  it('no mode at all is named as such', () => {
    expect(() => onlineAuthMode('score', undefined)).toThrow("Online endpoint 'score' reports no auth mode, which this action does not support");
    expect(() => authModeOf({ name: 'score', scoringUri: '', kubernetes: false, traffic: {} })).toThrow("Online endpoint 'score' reports no auth mode");
  });
});
