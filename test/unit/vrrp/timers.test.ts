import test from 'node:test';
import assert from 'node:assert/strict';
import { adoptMasterAdverInt, advertIntervalCs, masterDownInterval, minSkewTime, skewTime } from '../../../src/vrrp/timers.js';

test('v2 skew time is (256 - priority) / 256 seconds, whatever the advert interval', () => {
  assert.equal(skewTime(2, 100, 100), 609.375);
  assert.equal(skewTime(2, 100, 300), 609.375);
  assert.equal(skewTime(2, 255, 100), 3.906);
  assert.equal(skewTime(2, 1, 100), 996.093);
});

test('v3 skew time is ((256 - priority) x Master_Adver_Interval) / 256, truncated to microseconds like keepalived', () => {
  assert.equal(skewTime(3, 100, 100), 609.375);
  assert.equal(skewTime(3, 150, 100), 414.062);
  assert.equal(skewTime(3, 100, 50), 304.687);
  assert.equal(skewTime(3, 254, 4095), 319.921);
});

test('master-down interval is down_timer_adverts x Master_Adver_Interval + skew', () => {
  // observed on keepalived 2.2.7: priority 150, advert 1 s -> MASTER about 3.4 s after start
  assert.equal(masterDownInterval(2, 150, 100), 3414.062);
  assert.equal(masterDownInterval(2, 100, 100), 3609.375);
  assert.equal(masterDownInterval(2, 100, 200, 5), 10609.375);
  assert.equal(masterDownInterval(3, 100, 50), 1804.687);
  assert.equal(masterDownInterval(3, 200, 1, 1), 12.187);
});

test('the minimum skew is what priority 255 would get', () => {
  assert.equal(minSkewTime(2, 100), skewTime(2, 255, 100));
  assert.equal(minSkewTime(3, 200), skewTime(3, 255, 200));
});

test('advert_int seconds become centiseconds (v3 keeps 10 ms resolution)', () => {
  assert.equal(advertIntervalCs(1), 100);
  assert.equal(advertIntervalCs(0.3), 30);
  assert.equal(advertIntervalCs(40.95), 4095);
});

test('a v3 backup adopts the master advert interval; v2 never does; 0 is ignored', () => {
  assert.equal(adoptMasterAdverInt(3, 100, 50), 50);
  assert.equal(adoptMasterAdverInt(3, 100, 0), 100);
  assert.equal(adoptMasterAdverInt(2, 100, 200), 100);
});
