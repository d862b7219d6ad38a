/**
 * The AWS Query protocol layer (src/protocol/query.ts, xml.ts) with a toy SNS
 * on it, called by the real @aws-sdk/client-sns (which speaks AWS Query):
 * form parsing (lists, maps), XML answers, `<ErrorResponse>` errors; and the
 * error renderer the edge uses for every protocol (render.ts).
 */
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListTopicsCommand,
  NotFoundException,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { AwsError } from '../../../src/protocol/errors';
import { parseQuery, queryProtocol, type QueryInput } from '../../../src/protocol/query';
import { errorAnswer } from '../../../src/protocol/render';
import { XmlMap } from '../../../src/protocol/xml';
import { serveEdgeHandler, type ServedHandler } from '../../support/edge-handler';

const heard: QueryInput[] = [];
const sns = queryProtocol({
  xmlNamespace: 'http://sns.amazonaws.com/doc/2010-03-31/',
  operations: {
    CreateTopic: (input: QueryInput) => {
      heard.push(input);
      return { TopicArn: `arn:aws:sns:us-east-1:000000000000:${String(input.Name)}` };
    },
    ListTopics: (input: QueryInput) => {
      heard.push(input);
      return {
        Topics: [{ TopicArn: 'arn:aws:sns:us-east-1:000000000000:a' }, { TopicArn: 'arn:aws:sns:us-east-1:000000000000:b & c' }],
        NextToken: 'page-2',
      };
    },
    GetTopicAttributes: (input: QueryInput) => {
      if (input.TopicArn !== 'arn:aws:sns:us-east-1:000000000000:a') throw new AwsError('NotFound', 'Topic does not exist', 404);
      return { Attributes: new XmlMap({ DisplayName: 'A <topic>', Policy: '{"Version":"2012-10-17"}' }) };
    },
    Publish: (input: QueryInput) => {
      heard.push(input);
      return { MessageId: 'm-1' };
    },
  },
});

let served: ServedHandler;
let client: SNSClient;

beforeAll(async () => {
  served = await serveEdgeHandler(sns, 'sns');
  client = new SNSClient({
    endpoint: served.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await served.close();
});

beforeEach(() => {
  heard.length = 0;
});

describe('AWS Query protocol through @aws-sdk/client-sns', () => {
  test('an action gets its parameters and answers <{Action}Response><{Action}Result> that the SDK reads', async () => {
    const created = await client.send(
      new CreateTopicCommand({ Name: 'orders', Attributes: { DisplayName: 'Orders' }, Tags: [{ Key: 'team', Value: 'shop' }] }),
    );
    expect(created.TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:orders');
    // Maps (`Attributes.entry.N.key/value`) and lists (`Tags.member.N`) are rebuilt from the dotted names.
    expect(heard).toEqual([{ Name: 'orders', Attributes: { DisplayName: 'Orders' }, Tags: [{ Key: 'team', Value: 'shop' }] }]);
  });

  test('lists render as <member> items, text is escaped, maps render as entries', async () => {
    const listed = await client.send(new ListTopicsCommand({}));
    expect(listed).toMatchObject({
      Topics: [{ TopicArn: 'arn:aws:sns:us-east-1:000000000000:a' }, { TopicArn: 'arn:aws:sns:us-east-1:000000000000:b & c' }],
      NextToken: 'page-2',
    });
    const attributes = await client.send(new GetTopicAttributesCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:a' }));
    expect(attributes.Attributes).toEqual({ DisplayName: 'A <topic>', Policy: '{"Version":"2012-10-17"}' });
  });

  test('message attributes (entry Name/Value) become a map of structures', async () => {
    await client.send(
      new PublishCommand({
        TopicArn: 'arn:aws:sns:us-east-1:000000000000:a',
        Message: 'hello',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'order' }, n: { DataType: 'Number', StringValue: '2' } },
      }),
    );
    expect(heard[0]).toEqual({
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:a',
      Message: 'hello',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'order' }, n: { DataType: 'Number', StringValue: '2' } },
    });
  });

  test('an AwsError is an <ErrorResponse> the SDK maps to its exception class', async () => {
    const error = await client
      .send(new GetTopicAttributesCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:nope' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundException);
    expect(error).toMatchObject({ message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } });
  });

  test('an unknown action is InvalidAction; a call with no Action is not answered', async () => {
    const post = (body: string) =>
      fetch(served.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const unknown = await post('Action=Nope&Version=2010-03-31');
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('content-type')).toBe('text/xml');
    const text = await unknown.text();
    expect(text).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?><ErrorResponse><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code><Message>The action Nope is not valid for this web service\.<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
    );
    expect((await post('Version=2010-03-31')).status).toBe(501);
  });
});

describe('parseQuery', () => {
  test('rebuilds structures, member lists, flattened lists and key/value maps, in index order', () => {
    const params = new URLSearchParams(
      'Action=X&Version=1&A.B=1&L.member.2=b&L.member.1=a&F.10=ten&F.2=two&M.entry.1.key=k1&M.entry.1.value=v1&M.entry.2.key=k2&M.entry.2.value=v2',
    );
    expect(parseQuery(params)).toEqual({ A: { B: '1' }, L: ['a', 'b'], F: ['two', 'ten'], M: { k1: 'v1', k2: 'v2' } });
  });
});

describe('errorAnswer (an AwsError in any protocol)', () => {
  const error = new AwsError('NotImplemented', 'the local cloud does not emulate <x>', 501);

  test('AWS JSON 1.0 and 1.1, REST-JSON: __type and message, x-amzn-ErrorType, the content type of the protocol', () => {
    for (const [protocol, contentType] of [
      ['json1.0', 'application/x-amz-json-1.0'],
      ['json1.1', 'application/x-amz-json-1.1'],
      ['rest-json', 'application/json'],
    ] as const) {
      const answer = errorAnswer(protocol, error, 'r-1');
      expect(answer).toEqual({
        status: 501,
        headers: { 'content-type': contentType, 'x-amzn-errortype': 'NotImplemented', 'x-amzn-requestid': 'r-1' },
        body: '{"__type":"NotImplemented","message":"the local cloud does not emulate <x>"}',
      });
    }
  });

  test("AWS Query: <ErrorResponse> (a 5xx is the Receiver's fault); REST-XML: <Error>, as S3 answers", () => {
    expect(errorAnswer('query', error, 'r-1').body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Type>Receiver</Type><Code>NotImplemented</Code><Message>the local cloud does not emulate &lt;x&gt;</Message></Error><RequestId>r-1</RequestId></ErrorResponse>',
    );
    const xml = errorAnswer('rest-xml', error, 'r-1');
    expect(xml.headers).toMatchObject({ 'content-type': 'application/xml', 'x-amz-request-id': 'r-1' });
    expect(xml.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code><Message>the local cloud does not emulate &lt;x&gt;</Message><RequestId>r-1</RequestId></Error>',
    );
  });
});
