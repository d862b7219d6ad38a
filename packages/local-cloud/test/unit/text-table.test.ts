/** The CLI's plain-text tables: aligned columns, a header rule, no trailing white space. */
import { formatTable } from '../../src/text-table';

it('aligns columns to their widest cell, rules the header and trims line ends', () => {
  expect(
    formatTable([
      ['method', 'path', 'api key'],
      ['GET', '/users/{id}', ''],
      ['POST', '/orders', 'required'],
    ]),
  ).toEqual([
    '  method  path         api key',
    '  ------  -----------  --------',
    '  GET     /users/{id}',
    '  POST    /orders      required',
  ]);
});
